import os
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import translation
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotations import roles, services
from annotations.models import AnnotationEvent

from .factories import ArticleFactory, UserFactory
from .webserver import WebServer

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still be usable there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SEED_PATH = Path(__file__).resolve().parent.parent / "annotations" / "demo_data" / "huawei-pakistan.txt"
SEED_TITLE = "Huawei spying in Pakistan?"


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Each request activates its own language (LocaleMiddleware) and leaves it active in the thread;
    code a test calls directly (services, exporters) runs in English, as a worker process does."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def reviewer(db):
    return UserFactory(username="reviewer", groups=[roles.REVIEWERS_GROUP])


@pytest.fixture
def reviewer2(db):
    return UserFactory(username="reviewer2", groups=[roles.REVIEWERS_GROUP])


@pytest.fixture
def editor(db):
    return UserFactory(username="editor", groups=[roles.EDITORS_GROUP])


@pytest.fixture
def outsider(db):
    """Logged in, but in neither group."""
    return UserFactory(username="outsider")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def reviewer_client(reviewer):
    return client_for(reviewer)


@pytest.fixture
def editor_client(editor):
    return client_for(editor)


@pytest.fixture
def outsider_client(outsider):
    return client_for(outsider)


@pytest.fixture
def seed_text() -> str:
    return SEED_PATH.read_text(encoding="utf-8")


@pytest.fixture
def seed_article(db, seed_text):
    return ArticleFactory(title=SEED_TITLE, body=seed_text)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite the test database is a file, as in production, not Django's default: an in-memory
    database in shared-cache mode. There, connections lock each other out table by table and get
    "database table is locked" at once, without the busy timeout, so tests with one connection per
    thread (tests/test_services_concurrency.py) would fail where production waits. pytest's per-run
    temporary directory keeps runs from different checkouts apart; Django deletes the file at the
    end of the run."""
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(tmp_path_factory.mktemp("database") / "test.sqlite3")
    add_test_replica()


def add_test_replica() -> None:
    """On PostgreSQL with FACTCHECK_TEST_REPLICA_URL (a streaming replica of the primary, made by
    `.ci/replica start`), the `replica` alias as DATABASE_REPLICA_URL would make it: a test mirror
    of `default`, so Django creates the test database on the primary only and streaming replication
    copies it (the URL's database name is replaced by the test database's). Only
    tests/test_replica.py turns the router on; every other test reads and writes the primary."""
    url = os.environ.get("FACTCHECK_TEST_REPLICA_URL", "")
    if connection.vendor != "postgresql" or not url or "replica" in connections.settings:
        return
    from factcheck.settings import database_from_url

    replica = database_from_url("FACTCHECK_TEST_REPLICA_URL", url)
    replica["OPTIONS"]["connect_timeout"] = 2
    replica["TEST"] = {"MIRROR": "default"}
    connections.settings["replica"] = replica
    connections.configure_settings(connections.settings)


@pytest.fixture(scope="session", autouse=True)
def flush_past_the_truncate_trigger():
    """Transactional tests end with Django's flush, one TRUNCATE of every table, and on PostgreSQL
    the event log refuses TRUNCATE (migration 0009). The tests' role owns the tables, so it turns the
    log's triggers off and on again around the flush, inside the flush's transaction: every test
    runs with them on. (This is why the app in production must run as a role that owns nothing.)"""
    if connection.vendor != "postgresql":
        yield
        return
    operations = type(connection.ops)
    flush = operations.execute_sql_flush

    def execute_sql_flush(self, sql_list: list[str]) -> None:
        events = self.quote_name(AnnotationEvent._meta.db_table)
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {events} DISABLE TRIGGER USER")
            flush(self, sql_list)
            cursor.execute(f"ALTER TABLE {events} ENABLE TRIGGER USER")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(operations, "execute_sql_flush", execute_sql_flush)
        yield


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2's deliberate slowness protects real passwords, not test personas."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_request_counts():
    """The API's rate limits count in the default cache, which outlives a test: each test starts at zero.
    (Failed log-ins are counted in the database and go with the test's transaction.)"""
    cache.clear()


@pytest.fixture
def bbc_source(reviewer):
    source, _ = services.source_get_or_create(
        url="https://www.bbc.com/news/world-asia-47855015",
        title="Huawei told to remove Wi-Fi cards from Pakistan CCTV",
        publisher="BBC News",
        created_by=reviewer,
    )
    return source


def sentence_span(article, index: int) -> dict:
    """start/end/quote of one sentence, as the page would submit them."""
    sentence = article.sentences.get(index=index)
    return {"start": sentence.start, "end": sentence.end, "quote": article.body[sentence.start : sentence.end]}


# --- The API's clients -----------------------------------------------------------------------


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def create_payload(article, index=4, **extra):
    span = sentence_span(article, index)
    return {"article": article.pk, "status": "alleged", "claimant": "BES", **span} | extra


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def web(settings):
    """A real web server on 127.0.0.1 (tests/webserver.py), with the fetcher allowed to reach it."""
    settings.FACTCHECK_FETCH_ALLOW_PRIVATE = True
    server = WebServer().start()
    yield server
    server.stop()
