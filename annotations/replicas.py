"""Reads on a PostgreSQL streaming replica (DATABASE_REPLICA_URL), and the rule of which reads.

The heavy reads (exports, search, the dashboard, the public page, the article list and the API's
lists) opt in with `@heavy_read`; everything else, every write and everything inside a transaction
reads the primary. A heavy read still goes to the primary when:

- its request is not a GET or HEAD;
- its reader wrote within FACTCHECK_READ_YOUR_WRITES_SECONDS (read-your-writes: `read_your_writes`
  marks them after each POST, PUT, PATCH or DELETE with a signed cookie, and by user id in the
  default cache for API clients that keep no cookies);
- the replica is more than FACTCHECK_REPLICA_MAX_LAG_SECONDS behind (`db.replica_lag`), or does
  not answer. Each process keeps that verdict for FACTCHECK_REPLICA_CHECK_SECONDS, so a replica
  that is down costs one failed connection per process per period, not one per request.

One request reads one database: the choice is made once, when the view starts, and held in a
context variable that the router reads (also while a streamed export is being sent).
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, connections
from django.http import HttpRequest, HttpResponse

from . import db

REPLICA = "replica"
PRIMARY = DEFAULT_DB_ALIAS
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WROTE_COOKIE = "factcheck_wrote"
ROUTER = "annotations.replicas.ReplicaRouter"

logger = logging.getLogger(__name__)

_reads: ContextVar[str] = ContextVar("factcheck_reads", default=PRIMARY)


class ReplicaRouter:
    """Reads go where the current heavy read chose (the primary outside one, or inside a
    transaction on the primary); writes and migrations to the primary."""

    def db_for_read(self, model, **hints) -> str:
        alias = _reads.get()
        if alias != PRIMARY and connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return alias

    def db_for_write(self, model, **hints) -> str:
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # one database, two copies of it

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == PRIMARY


# --- Is the replica usable? -----------------------------------------------------------------------


@dataclass
class _Verdict:
    usable: bool
    until: float  # time.monotonic()
    reason: str


_verdict: _Verdict | None = None
_verdict_lock = threading.Lock()


def configured() -> bool:
    """Whether reads may go to a replica: the router is on (settings.py turns it on with the alias)."""
    return ROUTER in settings.DATABASE_ROUTERS and REPLICA in connections.settings


def replica_state() -> tuple[bool, str] | None:
    """This process's last verdict on the replica: (usable, why), or None before the first look."""
    verdict = _verdict
    return None if verdict is None else (verdict.usable, verdict.reason)


def forget_health() -> None:
    """Look at the replica again at the next heavy read (tests, and nothing else, need this)."""
    global _verdict
    with _verdict_lock:
        _verdict = None


def replica_usable() -> bool:
    """Whether the replica answers and is at most FACTCHECK_REPLICA_MAX_LAG_SECONDS behind; asked
    of the databases at most once per FACTCHECK_REPLICA_CHECK_SECONDS in each process."""
    global _verdict
    with _verdict_lock:
        verdict = _verdict
        if verdict is None or time.monotonic() >= verdict.until:
            verdict = _verdict = _look(previous=verdict)
    if not verdict.usable:
        return False
    # Django's own check of a kept connection (CONN_HEALTH_CHECKS), done once per request anyway:
    # done here, a replica that went away since the last look sends this read to the primary.
    replica = connections[REPLICA]
    try:
        replica.close_if_health_check_failed()
        replica.ensure_connection()
    except (DatabaseError, InterfaceError) as exc:
        with _verdict_lock:
            _verdict = _down(exc, previous=verdict)
        return False
    return True


def _look(*, previous: _Verdict | None) -> _Verdict:
    until = time.monotonic() + settings.FACTCHECK_REPLICA_CHECK_SECONDS
    try:
        lag = db.replica_lag(connections[PRIMARY], connections[REPLICA])
    except (DatabaseError, InterfaceError) as exc:
        return _down(exc, previous=previous)
    bound = settings.FACTCHECK_REPLICA_MAX_LAG_SECONDS
    if lag > bound:
        reason = f"{lag:.1f} s behind the primary (FACTCHECK_REPLICA_MAX_LAG_SECONDS = {bound:g})"
        if previous is None or previous.usable:
            logger.warning("Reading from the primary: the replica is %s.", reason)
        return _Verdict(False, until, reason)
    if previous is not None and not previous.usable:
        logger.warning("Reading from the replica again (%.1f s behind the primary).", lag)
    return _Verdict(True, until, f"{lag:.1f} s behind the primary")


def _down(exc: Exception, *, previous: _Verdict | None) -> _Verdict:
    with suppress(DatabaseError, InterfaceError):  # it may be broken already
        connections[REPLICA].close()
    reason = f"unreachable ({str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__})"
    if previous is None or previous.usable:
        logger.warning("Reading from the primary: the replica is %s.", reason)
    return _Verdict(False, time.monotonic() + settings.FACTCHECK_REPLICA_CHECK_SECONDS, reason)


# --- Which requests read from it ------------------------------------------------------------------


def _user_key(user_id: int) -> str:
    return f"factcheck:wrote:{user_id}"


def wrote_recently(request: HttpRequest) -> bool:
    """Whether this reader wrote within FACTCHECK_READ_YOUR_WRITES_SECONDS (see read_your_writes)."""
    seconds = settings.FACTCHECK_READ_YOUR_WRITES_SECONDS
    if request.get_signed_cookie(WROTE_COOKIE, default=None, salt=WROTE_COOKIE, max_age=seconds) is not None:
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and cache.get(_user_key(user.pk)))


def read_alias(request: HttpRequest) -> str:
    """The database this request's heavy read uses."""
    if not configured() or request.method not in SAFE_METHODS or wrote_recently(request):
        return PRIMARY
    return REPLICA if replica_usable() else PRIMARY


def heavy_read(view: Callable) -> Callable:
    """Run a view's reads (and, for a streamed answer, the reads made while sending it) on the
    replica when `read_alias` allows. For function views and for view methods (self, request, …)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        request = args[0] if hasattr(args[0], "method") else args[1]
        alias = read_alias(request)
        token = _reads.set(alias)
        try:
            response = view(*args, **kwargs)
        finally:
            _reads.reset(token)
        if alias != PRIMARY and getattr(response, "streaming", False):
            response.streaming_content = _reading_from(alias, response.streaming_content)
        return response

    return wrapper


def _reading_from(alias: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The chunks of a streamed answer, each made with its reads on `alias`."""
    chunks = iter(chunks)
    while True:
        token = _reads.set(alias)
        try:
            chunk = next(chunks, None)
        finally:
            _reads.reset(token)
        if chunk is None:
            return
        yield chunk


def read_your_writes(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """After a request that may have written (POST, PUT, PATCH, DELETE), its client reads from the
    primary for FACTCHECK_READ_YOUR_WRITES_SECONDS: a signed cookie for browsers (any host behind
    the load balancer honours it), and the user's id in the default cache for API clients that
    send no cookies back (shared by every process with DJANGO_CACHE_URL=db://…)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if request.method not in SAFE_METHODS:
            seconds = settings.FACTCHECK_READ_YOUR_WRITES_SECONDS
            response.set_signed_cookie(
                WROTE_COOKIE,
                "1",
                salt=WROTE_COOKIE,
                max_age=seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
            user = getattr(request, "user", None)  # an API token's user too: DRF sets it here
            if user is not None and user.is_authenticated:
                cache.set(_user_key(user.pk), True, timeout=seconds)
        return response

    return middleware
