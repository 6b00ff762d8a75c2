"""/healthz, /readyz, /metrics and the request log line (annotations/observe.py, annotations/health.py)."""

from datetime import UTC, datetime, timedelta
import io
import ipaddress
import json
import logging
import re
import socket

from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from prometheus_client import REGISTRY
import pytest
from rest_framework.authtoken.models import Token

from annotations import services, tasks
from annotations.models import WorkerHeartbeat
from factcheck.logs import JsonLines

from .conftest import client_for, sentence_span, token_client
from .factories import PASSWORD

pytestmark = pytest.mark.django_db

ALL_OK = {"database": "ok", "migrations": "ok", "worker": "ok"}


@pytest.fixture(autouse=True)
def worker_keeps_the_test_connection(monkeypatch):
    """As in tests/test_imports.py: the worker must not close the connection holding the test's transaction."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def run_worker() -> None:
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)


def ready(client: Client | None = None) -> tuple[int, dict]:
    response = (client or Client()).get("/readyz")
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


@pytest.fixture
def worker_seen():
    """A real worker has run the heartbeat the first probe queued."""
    assert ready() == (503, {"status": "unavailable", "checks": {**ALL_OK, "worker": "never seen"}})
    run_worker()
    assert ready() == (200, {"status": "ready", "checks": ALL_OK})


# --- /healthz ------------------------------------------------------------------------------------


def test_healthz_answers_without_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_probes_answer_a_load_balancer_over_plain_http_with_an_address_as_host(settings, worker_seen):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["factcheck.example.org"]
    client = Client(HTTP_HOST="10.0.0.5:8000")
    assert (client.get("/healthz").status_code, client.get("/readyz").status_code) == (200, 200)
    assert client.get("/metrics").status_code == 200
    # The rest of the site still redirects to HTTPS and refuses an unknown host.
    page = Client(HTTP_HOST="factcheck.example.org").get("/accounts/login/")
    assert (page.status_code, page["Location"]) == (301, "https://factcheck.example.org/accounts/login/")
    assert client.get("/accounts/login/", secure=True).status_code == 400


# --- /readyz -------------------------------------------------------------------------------------


def test_readyz_is_ready_once_a_worker_has_run_the_heartbeat(worker_seen):
    beats = DBTaskResult.objects.filter(task_path=tasks.worker_heartbeat.module_path)
    # The beat ran, was kept as its result, and queued the next one a fifth of the threshold later.
    assert sorted(beats.values_list("status", flat=True)) == ["READY", "SUCCESSFUL"]
    waiting = beats.get(status="READY")
    beat_at = WorkerHeartbeat.objects.get(pk=1).beat_at
    assert waiting.run_after - beat_at == timedelta(seconds=60)
    assert ready()[0] == 200
    assert beats.count() == 2  # a probe queues no beat while one waits

    # The next beat deletes the earlier one's result: one row a minute does not pile up.
    beats.filter(status="READY").update(run_after=timezone.now())
    run_worker()
    assert sorted(beats.values_list("status", flat=True)) == ["READY", "SUCCESSFUL"]
    assert WorkerHeartbeat.objects.get(pk=1).beat_at > beat_at


@pytest.mark.django_db(transaction=True)  # the connection is closed and opened again
def test_readyz_database_unreachable(tmp_path):
    database = connection.settings_dict
    saved = {key: database[key] for key in ("NAME", "PORT")}
    if connection.vendor == "sqlite":
        database["NAME"] = str(tmp_path / "no-such-directory" / "db.sqlite3")
    else:
        with socket.socket() as probe:  # a port nothing listens on
            probe.bind(("127.0.0.1", 0))
            database["PORT"] = str(probe.getsockname()[1])
    connection.close()
    try:
        status, body = ready()
        healthz = Client().get("/healthz").status_code
    finally:
        connection.close()
        database.update(saved)
    assert status == 503
    assert body == {
        "status": "unavailable",
        "checks": {"database": "unreachable", "migrations": "not checked", "worker": "not checked"},
    }
    assert healthz == 200  # the process itself is fine: no restart for a database outage
    assert ready()[1]["checks"]["database"] == "ok"


def test_readyz_unapplied_migrations(worker_seen):
    MigrationRecorder(connection).record_unapplied("annotations", "0020_worker_heartbeat")
    MigrationRecorder(connection).record_unapplied("auth", "0001_initial")
    assert ready() == (503, {"status": "unavailable", "checks": {**ALL_OK, "migrations": "2 not applied"}})


def test_readyz_worker_never_seen_queues_one_beat():
    for _ in range(2):
        assert ready() == (503, {"status": "unavailable", "checks": {**ALL_OK, "worker": "never seen"}})
    assert list(DBTaskResult.objects.values_list("task_path", "status")) == [
        ("annotations.tasks.worker_heartbeat", "READY")
    ]


def test_readyz_worker_not_seen_recently(worker_seen):
    WorkerHeartbeat.objects.filter(pk=1).update(beat_at=timezone.now() - timedelta(seconds=1000))
    assert ready() == (503, {"status": "unavailable", "checks": {**ALL_OK, "worker": "last seen 1000 s ago"}})


def test_readyz_a_task_waiting_too_long_means_no_worker(worker_seen):
    queued = tasks.remind_due_assignments.enqueue()
    assert ready()[0] == 200  # just queued
    DBTaskResult.objects.filter(pk=queued.id).update(enqueued_at=timezone.now() - timedelta(seconds=400))
    assert ready() == (503, {"status": "unavailable", "checks": {**ALL_OK, "worker": "a task has waited 400 s"}})

    DBTaskResult.objects.filter(pk=queued.id).delete()
    tasks.remind_due_assignments.using(run_after=timezone.now() - timedelta(seconds=500)).enqueue()
    assert ready() == (503, {"status": "unavailable", "checks": {**ALL_OK, "worker": "a task has waited 500 s"}})


def test_readyz_without_the_worker_check(settings):
    settings.FACTCHECK_WORKER_STALE_SECONDS = 0
    assert ready() == (200, {"status": "ready", "checks": {**ALL_OK, "worker": "off"}})
    assert not DBTaskResult.objects.exists()  # no heartbeat either


# --- The request log line ------------------------------------------------------------------------


@pytest.fixture
def request_log():
    """The lines of the factcheck.requests logger, formatted as its handler in settings.LOGGING does."""
    logger = logging.getLogger("factcheck.requests")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines())
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def log_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def fields(line: dict) -> dict:
    """The line without what varies from run to run (checked by test_log_line_time_and_duration)."""
    return {key: value for key, value in line.items() if key not in ("time", "duration_ms")}


def test_requests_are_logged_as_json_lines_by_the_settings():
    logger = logging.getLogger("factcheck.requests")
    assert django_settings.LOGGING["loggers"]["factcheck.requests"] == {
        "handlers": ["json"],
        "level": "INFO",
        "propagate": False,
    }
    # (pytest adds its own capturing handlers beside it)
    json_handlers = [handler for handler in logger.handlers if isinstance(handler.formatter, JsonLines)]
    assert [type(handler) for handler in json_handlers] == [logging.StreamHandler]
    assert logger.propagate is False


def test_log_line_time_and_duration(request_log):
    Client().get("/healthz")
    (line,) = log_lines(request_log)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])
    assert isinstance(line["duration_ms"], float) and 0 <= line["duration_ms"] < 10_000
    assert fields(line) == {
        "level": "info",
        "logger": "factcheck.requests",
        "event": "request",
        "request_id": line["request_id"],
        "user_id": None,
        "method": "GET",
        "path": "/healthz",
        "view": "healthz",
        "status": 200,
        "db_queries": 0,
    }


def test_request_id_is_kept_when_sane_and_made_otherwise(request_log):
    client = Client()
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.92:1")
    made = [client.get("/healthz", HTTP_X_REQUEST_ID=given) for given in ["a" * 129, "two words", "<script>", ""]]
    made.append(client.get("/healthz"))
    assert kept["X-Request-ID"] == "lb-7f3a.92:1"
    assert all(re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"]) for response in made)
    assert len({response["X-Request-ID"] for response in made}) == 5
    assert [line["request_id"] for line in log_lines(request_log)] == [
        kept["X-Request-ID"],
        *(response["X-Request-ID"] for response in made),
    ]


def test_login_post_logs_the_user_never_the_password(request_log, reviewer):
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/accounts/login/?next=/mine/", {"username": "reviewer", "password": PASSWORD}, HTTP_X_REQUEST_ID="login-1"
        )
    assert (response.status_code, response["Location"]) == (302, "/mine/")
    query_count = len(queries)
    (line,) = log_lines(request_log)
    assert fields(line) == {
        "level": "info",
        "logger": "factcheck.requests",
        "event": "request",
        "request_id": "login-1",
        "user_id": reviewer.pk,
        "method": "POST",
        "path": "/accounts/login/",
        "view": "login",
        "status": 302,
        "db_queries": query_count,
    }
    assert PASSWORD not in request_log.getvalue()
    assert "next=" not in request_log.getvalue()


def test_api_call_logs_the_token_user_never_the_token(request_log, reviewer):
    client = token_client(reviewer)
    key = Token.objects.get(user=reviewer).key
    response = client.get("/api/v1/articles/?search=confidential-lead", HTTP_X_REQUEST_ID="api-1")
    assert response.status_code == 200
    (line,) = log_lines(request_log)
    assert fields(line) | {"db_queries": 0} == {
        "level": "info",
        "logger": "factcheck.requests",
        "event": "request",
        "request_id": "api-1",
        "user_id": reviewer.pk,
        "method": "GET",
        "path": "/api/v1/articles/",
        "view": "api:article-list",
        "status": 200,
        "db_queries": 0,
    }
    text = request_log.getvalue()
    assert (key in text, "Token" in text, "confidential-lead" in text) == (False, False, False)


def test_article_create_logs_neither_title_nor_text(request_log, reviewer_client, reviewer):
    body = "The minister said exports doubled last year. Nobody checked the figure."
    response = reviewer_client.post(
        "/articles/new/", {"title": "Exports doubled", "body": body, "language": "en"}, HTTP_X_REQUEST_ID="art-1"
    )
    assert response.status_code == 302
    (line,) = log_lines(request_log)
    assert fields(line) | {"db_queries": 0} == {
        "level": "info",
        "logger": "factcheck.requests",
        "event": "request",
        "request_id": "art-1",
        "user_id": reviewer.pk,
        "method": "POST",
        "path": "/articles/new/",
        "view": "annotations:article-create",
        "status": 302,
        "db_queries": 0,
    }
    text = request_log.getvalue()
    assert ("minister" in text, "Exports doubled" in text, "figure" in text) == (False, False, False)


def test_an_anonymous_request_loads_no_user_for_the_log(request_log, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert fields(log_lines(request_log)[0])["user_id"] is None


def test_the_middleware_adds_no_query_to_a_page(settings, reviewer, seed_article):
    def queries_for_the_article_page() -> int:
        client = client_for(reviewer)  # a new client loads the middleware as the settings now name it
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/articles/{seed_article.pk}/").status_code == 200
        return len(queries)

    with_it = queries_for_the_article_page()
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != "annotations.observe.observe_requests"]
    assert queries_for_the_article_page() == with_it


# --- /metrics ------------------------------------------------------------------------------------

REFUSED = (
    "Metrics are served to the addresses in FACTCHECK_METRICS_ADDRESSES "
    "and to callers with the FACTCHECK_METRICS_TOKEN bearer token.\n"
)
TOKEN = "m" * 32


def scrape(**headers) -> tuple[int, str]:
    response = Client().get("/metrics", **headers)
    return response.status_code, response.content.decode()


def desk_lines(text: str) -> list[str]:
    names = ("factcheck_verdicts", "factcheck_task_queue_length", "factcheck_worker_last_seen")
    return [line for line in text.splitlines() if line.startswith(names)]


def test_metrics_desk_figures_are_read_at_scrape_time(seed_article, reviewer, editor, django_assert_num_queries):
    def verdict(index: int):
        return services.annotation_create(
            article=seed_article, author=reviewer, status="unverified", **sentence_span(seed_article, index)
        )

    verdict(1)
    submitted = services.annotation_submit(annotation=verdict(2), actor=reviewer, version=1)
    services.annotation_approve(annotation=submitted, editor=editor, version=submitted.version)
    deleted = verdict(3)
    services.annotation_delete(annotation=deleted, actor=reviewer, version=deleted.version)
    tasks.remind_due_assignments.enqueue()
    tasks.remind_due_assignments.using(run_after=timezone.now() + timedelta(hours=1)).enqueue()  # not due yet
    WorkerHeartbeat.objects.create(pk=1, beat_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))

    with django_assert_num_queries(3):
        status, text = scrape()
    assert status == 200
    assert desk_lines(text) == [
        'factcheck_verdicts{state="draft"} 1.0',
        'factcheck_verdicts{state="submitted"} 0.0',
        'factcheck_verdicts{state="approved"} 1.0',
        'factcheck_verdicts{state="changes_requested"} 0.0',
        'factcheck_task_queue_length{queue="default"} 1.0',
        "factcheck_worker_last_seen_timestamp_seconds 1.767323045e+09",
    ]


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_count_requests_latency_and_queries_by_view(reviewer_client, seed_article):
    view = "annotations:article-detail"
    before = (
        sample("factcheck_http_requests_total", view=view, method="GET", status="200"),
        sample("factcheck_http_request_duration_seconds_count", view=view),
        sample("factcheck_http_request_db_queries_sum", view=view),
        sample("factcheck_http_requests_total", view="unresolved", method="other", status="404"),
    )
    with CaptureQueriesContext(connection) as queries:
        assert reviewer_client.get(f"/articles/{seed_article.pk}/").status_code == 200
    query_count = len(queries)  # now: the next request empties the connection's query log
    reviewer_client.generic("BREW", "/no-such-page/")
    after = (
        sample("factcheck_http_requests_total", view=view, method="GET", status="200"),
        sample("factcheck_http_request_duration_seconds_count", view=view),
        sample("factcheck_http_request_db_queries_sum", view=view),
        sample("factcheck_http_requests_total", view="unresolved", method="other", status="404"),
    )
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, query_count, 1]
    status, text = scrape()
    assert status == 200
    assert f'factcheck_http_requests_total{{method="GET",status="200",view="{view}"}}' in text


def test_metrics_refused_from_another_address():
    assert scrape(REMOTE_ADDR="203.0.113.7") == (403, REFUSED)


def test_metrics_token_lets_any_address_in(settings):
    settings.FACTCHECK_METRICS_TOKEN = TOKEN
    outside = {"REMOTE_ADDR": "203.0.113.7"}
    assert scrape(**outside, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")[0] == 200
    assert scrape(**outside, HTTP_AUTHORIZATION=f"bearer {TOKEN}")[0] == 200
    assert scrape(**outside, HTTP_AUTHORIZATION=f"Bearer {TOKEN[:-1]}x") == (403, REFUSED)
    assert scrape(**outside, HTTP_AUTHORIZATION=f"Token {TOKEN}") == (403, REFUSED)
    assert scrape(**outside) == (403, REFUSED)


def test_metrics_addresses_are_networks(settings):
    settings.FACTCHECK_METRICS_NETWORKS = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8"))
    assert scrape(REMOTE_ADDR="10.2.3.4")[0] == 200
    assert scrape(REMOTE_ADDR="::ffff:10.2.3.4")[0] == 200
    assert scrape(REMOTE_ADDR="fd12::1")[0] == 200
    assert scrape(REMOTE_ADDR="127.0.0.1") == (403, REFUSED)
    settings.FACTCHECK_METRICS_NETWORKS = ()
    assert scrape(REMOTE_ADDR="127.0.0.1") == (403, REFUSED)


def test_metrics_behind_a_proxy_go_by_the_client_address(settings):
    """A proxy on the same host connects from 127.0.0.1: the client it names is who asks."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert scrape(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7") == (403, REFUSED)
    assert scrape(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7, 127.0.0.1")[0] == 200
    assert scrape(REMOTE_ADDR="127.0.0.1")[0] == 200  # scraped directly, no proxy in between
