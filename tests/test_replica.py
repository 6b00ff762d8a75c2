"""The read replica (annotations.replicas) on a real PostgreSQL streaming replica.

`.ci/replica start` makes one (a second cluster on port 5433, copied with `pg_basebackup -R`);
FACTCHECK_TEST_REPLICA_URL names it, and tests/conftest.py adds it as the `replica` alias, a test
mirror of `default`: the test database is created on the primary and replication copies it. On
SQLite these tests do not apply; on PostgreSQL in CI (CI=true) a missing replica is a failure.
"""

from collections.abc import Iterator
from contextlib import contextmanager
import os
from pathlib import Path
import socket
import subprocess
import time

from django.core.cache import cache
from django.db import DatabaseError, close_old_connections, connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
import pytest

from annotations import replicas, services
from annotations.replicas import PRIMARY, REPLICA, ReplicaRouter

from .conftest import api, create_payload, sentence_span, token_client

ROOT = Path(__file__).resolve().parent.parent
REPLICA_SCRIPT = ROOT / ".ci" / "replica"
HAS_REPLICA = connection.vendor == "postgresql" and bool(os.environ.get("FACTCHECK_TEST_REPLICA_URL"))


def on_the_replica(test):
    """PostgreSQL only; transactional, so that what a test writes reaches the replica."""
    test = pytest.mark.skipif(connection.vendor != "postgresql", reason="A streaming replica needs PostgreSQL.")(test)
    databases = [PRIMARY, REPLICA] if HAS_REPLICA else [PRIMARY]
    return pytest.mark.django_db(transaction=True, databases=databases)(test)


LIST = "/api/v1/annotations/"
CLAIMANT = "Replica claimant"


# --- The router's rule, no database needed -------------------------------------------------------


def test_writes_migrations_and_ordinary_reads_go_to_the_primary():
    router = ReplicaRouter()
    assert router.db_for_write(None) == PRIMARY
    assert router.db_for_read(None) == PRIMARY
    assert [router.allow_migrate(alias, "annotations") for alias in (PRIMARY, REPLICA)] == [True, False]


# --- On the replica ------------------------------------------------------------------------------


def primary_position() -> str:
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


def wait_for_replay(seconds: float = 60) -> None:
    """Until the replica has replayed everything the primary has written so far."""
    position = primary_position()
    deadline = time.monotonic() + seconds
    while True:
        try:
            with connections[REPLICA].cursor() as cursor:
                cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [position])
                if cursor.fetchone()[0]:
                    return
        except DatabaseError:  # the test database may not have reached the replica yet
            connections[REPLICA].close()
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"The replica did not replay the primary's WAL up to {position} in {seconds} s.")
        time.sleep(0.1)


@contextmanager
def replay_paused() -> Iterator[None]:
    """The replica still answers, with what it had when this began (it keeps receiving WAL)."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
        for _ in range(100):
            cursor.execute("SELECT pg_get_wal_replay_pause_state()")
            if cursor.fetchone()[0] == "paused":
                break
            time.sleep(0.05)
    try:
        yield
    finally:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")


@contextmanager
def statements(*aliases: str) -> Iterator[list]:
    """The statements run on each alias meanwhile, in the order given."""
    with CaptureQueriesContext(connections[aliases[0]]) as first:
        if len(aliases) == 1:
            yield [first]
            return
        with CaptureQueriesContext(connections[aliases[1]]) as second:
            yield [first, second]


def reads(captured: CaptureQueriesContext, table: str) -> bool:
    return any(f'"{table}"' in query["sql"] for query in captured.captured_queries)


def read_verdicts(captured: CaptureQueriesContext) -> bool:
    return reads(captured, "annotations_annotation")


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def replica_script(command: str) -> None:
    subprocess.run([str(REPLICA_SCRIPT), command], check=True, capture_output=True, text=True, timeout=120)


@pytest.fixture
def replica():
    if not HAS_REPLICA:
        message = "FACTCHECK_TEST_REPLICA_URL is not set: run `.ci/replica start` (make replica) and set it."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    wait_for_replay()
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (True,)
    return connections[REPLICA]


@pytest.fixture
def routed(replica, settings):
    """The router and the read-your-writes middleware on, as DATABASE_REPLICA_URL turns them on.
    A loaded test machine may be seconds behind: only the lag test sets a tight bound. Each
    process's verdict is kept until a test forgets it, so each test decides when to look again."""
    settings.DATABASE_ROUTERS = ["annotations.replicas.ReplicaRouter"]
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "annotations.replicas.read_your_writes",
    )
    settings.MIDDLEWARE = middleware
    settings.FACTCHECK_REPLICA_MAX_LAG_SECONDS = 600
    settings.FACTCHECK_REPLICA_CHECK_SECONDS = 600
    replicas.forget_health()
    yield replica
    replicas.forget_health()


@pytest.fixture
def published(routed, reviewer, editor, seed_article):
    """An approved verdict, replayed on the replica."""
    verdict = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", claimant=CLAIMANT, **sentence_span(seed_article, 4)
    )
    services.annotation_submit(annotation=verdict, actor=reviewer, version=1)
    services.annotation_approve(annotation=verdict, editor=editor, version=2)
    wait_for_replay()
    return verdict


HEAVY_READS = [
    # (who reads, URL, what the answer holds, a table it reads)
    ("editor-api", LIST, CLAIMANT, "annotations_annotation"),
    ("editor-api", "/api/v1/export/", CLAIMANT, "annotations_annotation"),
    ("editor-api", "/api/v1/search/?q=Replica", "<mark>Replica</mark> claimant", "annotations_annotation"),
    ("editor-api", "/api/v1/articles/", "Huawei spying in Pakistan?", "annotations_article"),
    ("editor-api", "/api/v1/sources/", '"results":[]', "annotations_source"),
    ("editor", "/search/?q=Replica", "<mark>Replica</mark> claimant", "annotations_annotation"),
    ("editor", "/desk/", "Approved per day", "annotations_annotation"),
    ("editor", "/desk/backlog.csv", "approved,alleged,1", "annotations_annotation"),
    ("editor", "/", "Huawei spying in Pakistan?", "annotations_article"),
    ("anonymous", "/factchecks/{article}/", CLAIMANT, "annotations_annotation"),
]


@on_the_replica
@pytest.mark.parametrize(("reader", "url", "holds", "table"), HEAVY_READS)
def test_heavy_reads_run_on_the_replica(reader, url, holds, table, published, editor):
    client = api(editor) if reader == "editor-api" else Client()
    if reader == "editor":
        client.force_login(editor)
    with statements(PRIMARY, REPLICA) as (primary, replica):
        response = client.get(url.format(article=published.article_id))
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert (response.status_code, holds in body.decode()) == (200, True), body.decode()[:1500]
    assert (reads(replica, table), reads(primary, table)) == (True, False)
    assert replicas.replica_state()[0] is True


@on_the_replica
def test_the_replica_alias_is_the_standby(routed):
    with routed.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), current_setting('port')")
        assert cursor.fetchone() == (True, str(routed.settings_dict["PORT"]))
    assert routed.settings_dict["NAME"] == connections[PRIMARY].settings_dict["NAME"]


@on_the_replica
def test_other_reads_and_writes_stay_on_the_primary(published, reviewer):
    client = api(reviewer)
    with statements(PRIMARY, REPLICA) as (primary, replica):
        one = client.get(f"{LIST}{published.pk}/")
    assert (one.json()["claimant"], read_verdicts(primary), read_verdicts(replica)) == (CLAIMANT, True, False)


@on_the_replica
def test_an_author_reads_their_write_at_once_and_others_the_replica(
    published, settings, reviewer, editor, seed_article
):
    settings.FACTCHECK_READ_YOUR_WRITES_SECONDS = 2
    author = api(reviewer)  # keeps cookies, as a browser does
    with replay_paused():
        created = author.post(LIST, create_payload(seed_article, 6, claimant="Just written"), format="json")
        new = created.json()["id"]
        assert (created.status_code, created.cookies[replicas.WROTE_COOKIE]["max-age"]) == (201, 2)

        with statements(PRIMARY, REPLICA) as (primary, replica):
            mine = author.get(LIST)
        assert (new in ids(mine), read_verdicts(primary), read_verdicts(replica)) == (True, True, False)
        # An API client that keeps no cookies: known by its user id (the default cache).
        assert new in ids(token_client(reviewer).get(LIST))
        # The cookie alone is enough (another process, whose cache never heard of the write).
        cache.clear()
        assert new in ids(author.get(LIST))

        with statements(PRIMARY, REPLICA) as (primary, replica):
            theirs = api(editor).get(LIST)
        # The replica answers, as it was when replay paused: the new verdict is not there yet.
        assert (new in ids(theirs), published.pk in ids(theirs)) == (False, True)
        assert (read_verdicts(primary), read_verdicts(replica)) == (False, True)

        time.sleep(2.1)  # FACTCHECK_READ_YOUR_WRITES_SECONDS later the author reads the replica too
        assert new not in ids(author.get(LIST))
    wait_for_replay()
    assert new in ids(api(editor).get(LIST))


@on_the_replica
def test_a_replica_further_behind_than_the_bound_is_skipped(published, settings, reviewer, editor, seed_article):
    settings.FACTCHECK_REPLICA_MAX_LAG_SECONDS = 1
    with replay_paused():
        time.sleep(1.5)  # its last replayed transaction is now more than a second old
        late = services.annotation_create(
            article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 7)
        )
        replicas.forget_health()
        with statements(PRIMARY, REPLICA) as (primary, replica):
            response = api(editor).get(LIST)
        assert (late.pk in ids(response), read_verdicts(primary), read_verdicts(replica)) == (True, True, False)
        usable, reason = replicas.replica_state()
        assert (usable, reason.endswith("behind the primary (FACTCHECK_REPLICA_MAX_LAG_SECONDS = 1)")) == (False, True)
    wait_for_replay()
    replicas.forget_health()
    with statements(PRIMARY, REPLICA) as (primary, replica):
        response = api(editor).get(LIST)
    assert (late.pk in ids(response), read_verdicts(primary), read_verdicts(replica)) == (True, False, True)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@on_the_replica
def test_a_replica_that_does_not_answer_is_skipped(published, routed, editor):
    port = routed.settings_dict["PORT"]
    routed.close()
    routed.settings_dict["PORT"] = closed_port()
    replicas.forget_health()
    try:
        with statements(PRIMARY) as (primary,):
            response = api(editor).get(LIST)
        assert (ids(response), read_verdicts(primary)) == ([published.pk], True)
        usable, reason = replicas.replica_state()
        assert (usable, reason.startswith("unreachable (connection failed")) == (False, True)
    finally:
        routed.close()
        routed.settings_dict["PORT"] = port


@on_the_replica
def test_stopping_the_replica_sends_reads_to_the_primary(published, routed, editor):
    if os.geteuid() != 0:
        message = "Stopping the replica needs root (.ci/replica acts as the postgres user)."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    client = api(editor)
    with statements(PRIMARY, REPLICA) as (primary, replica):
        client.get(LIST)
    assert (read_verdicts(primary), read_verdicts(replica)) == (False, True)
    replica_script("stop")
    try:
        # What Django does as each request starts (the test client leaves it out): kept connections
        # are checked again before their next use.
        close_old_connections()
        with statements(PRIMARY) as (primary,):
            response = client.get(LIST)
        assert (ids(response), read_verdicts(primary)) == ([published.pk], True)
        assert replicas.replica_state()[0] is False
    finally:
        replica_script("start")
    wait_for_replay()
    replicas.forget_health()
    with statements(PRIMARY, REPLICA) as (primary, replica):
        response = client.get(LIST)
    assert (ids(response), read_verdicts(primary), read_verdicts(replica)) == ([published.pk], False, True)
