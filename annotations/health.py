"""Is this instance fit to serve? The checks behind /readyz and the worker's figures for /metrics.

Ready means: the database answers, every migration on disk is applied, and a task worker has been
seen within FACTCHECK_WORKER_STALE_SECONDS (its heartbeat task, tasks.worker_heartbeat, recently
ran, and no task has waited that long). Each check answers "ok" or what is wrong, in words that
name no host, user or table: /readyz is public; the details go to the log.
"""

from datetime import datetime
from functools import cache
import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Count, Min, Q
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from . import tasks
from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

OK = "ok"
NOT_CHECKED = "not checked"
OFF = "off"


def readiness(*, using: str = DEFAULT_DB_ALIAS) -> dict[str, str]:
    """{"database", "migrations", "worker"} → "ok", "off" (the worker check, when turned off) or the
    problem. Keeps the heartbeat going: queues a beat when none is waiting (the first probe starts it)."""
    connection = connections[using]
    try:
        connection.ensure_connection()
        usable = connection.is_usable()
    except DatabaseError:
        logger.warning("Readiness: the %r database is unreachable.", using, exc_info=True)
        usable = False
    if not usable:
        return {"database": "unreachable", "migrations": NOT_CHECKED, "worker": NOT_CHECKED}
    return {"database": OK, "migrations": _check(_migrations, connection), "worker": _check(_worker, connection)}


def is_ready(checks: dict[str, str]) -> bool:
    return all(result in (OK, OFF) for result in checks.values())


def _check(check, connection) -> str:
    try:
        return check(connection)
    except DatabaseError:
        logger.warning("Readiness: %s failed.", check.__name__.strip("_"), exc_info=True)
        return "failed (see the server's log)"


@cache
def _migrations_on_disk() -> frozenset[tuple[str, str]]:
    """Every migration of the installed apps, as (app, name): read from disk once per process."""
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def _migrations(connection) -> str:
    missing = _migrations_on_disk() - MigrationRecorder(connection).applied_migrations().keys()
    if missing:
        logger.warning("Readiness: migrations not applied: %s", ", ".join(sorted(".".join(m) for m in missing)))
        return f"{len(missing)} not applied"
    return OK


def _worker(connection) -> str:
    stale = settings.FACTCHECK_WORKER_STALE_SECONDS
    if not stale:
        return OFF
    now = timezone.now()
    tasks.schedule_heartbeat()
    beat_at = worker_seen_at()
    if beat_at is None:
        return "never seen"
    if (age := (now - beat_at).total_seconds()) > stale:
        return f"last seen {int(age)} s ago"
    waiting_since = oldest_waiting_task()
    if waiting_since is not None and (waited := (now - waiting_since).total_seconds()) > stale:
        return f"a task has waited {int(waited)} s"
    return OK


def worker_seen_at() -> datetime | None:
    """When a worker last ran the heartbeat task, or None if never."""
    return WorkerHeartbeat.objects.filter(pk=1).values_list("beat_at", flat=True).first()


def oldest_waiting_task() -> datetime | None:
    """When the task that has waited longest became due (queued at once: when queued; queued for
    later: its run_after), among those not started. Reads the READY rows only (their index)."""
    never = get_date_max()
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY).aggregate(
        queued=Min("enqueued_at", filter=Q(run_after=never)),
        scheduled=Min("run_after", filter=~Q(run_after=never) & Q(run_after__lte=timezone.now())),
    )
    times = [at for at in waiting.values() if at is not None]
    return min(times) if times else None


def task_queue_lengths() -> dict[str, int]:
    """Tasks due and not started, per queue (one query on the READY rows)."""
    due = DBTaskResult.objects.ready().order_by().values_list("queue_name").annotate(n=Count("id"))
    return dict(due)
