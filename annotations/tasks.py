"""Background work, run by `manage.py db_worker` (django-tasks-db): Django's task framework.

A task that fails is marked failed with its traceback (the admin's Task results, the worker's log);
the notification e-mail is also tried again later, so it is never lost silently."""

from datetime import datetime, time, timedelta
import logging

from django.conf import settings
from django.tasks import TaskResultStatus, task
from django.utils import timezone

from . import notifications, services
from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)


@task()
def run_article_import(job_id: int) -> None:
    """Store a queued ArticleImport (services.import_run)."""
    services.import_run(job_id=job_id)


@task()
def archive_source(source_id: int) -> None:
    """Fetch a cited source and store its snapshot (services.source_archive)."""
    services.source_archive(source_id=source_id)


@task()
def email_notification(notification_id: int) -> str:
    """Send a notification's e-mail (notifications.email_send). On failure, another try is queued
    (notifications.email_retry_after) before the error is raised and recorded."""
    try:
        return notifications.email_send(notification_id=notification_id)
    except Exception:
        retry_at = notifications.email_retry_after(notification_id=notification_id)
        if retry_at is not None:
            email_notification.using(run_after=retry_at).enqueue(notification_id)
        raise


def next_reminder_run(now: datetime) -> datetime:
    """The next FACTCHECK_REMINDER_HOUR o'clock, local time, after `now`."""
    local = timezone.localtime(now)
    at = timezone.make_aware(datetime.combine(local.date(), time(settings.FACTCHECK_REMINDER_HOUR)))
    return at if at > local else at + timedelta(days=1)


@task()
def remind_due_assignments() -> int:
    """Remind reviewers of their assignments due tomorrow (notifications.due_reminders), then queue
    the next day's run: once started (`manage.py schedule_reminders`), it runs every day."""
    made = notifications.due_reminders(today=timezone.localdate())
    schedule_reminders(after=timezone.now())
    logger.info("Due-date reminders: %s sent", len(made))
    return len(made)


def schedule_reminders(*, after: datetime | None = None) -> bool:
    """Queue the reminder task: at once (`after` None) or at the next reminder hour after `after`,
    unless a run is already waiting (the worker's queue is the database's). True if one was queued."""
    from django_tasks_db.models import DBTaskResult  # the backend TASKS names

    waiting = DBTaskResult.objects.filter(task_path=remind_due_assignments.module_path, status=TaskResultStatus.READY)
    if waiting.exists():
        return False
    if after is None:
        remind_due_assignments.enqueue()
    else:
        remind_due_assignments.using(run_after=next_reminder_run(after)).enqueue()
    return True


def heartbeat_interval() -> timedelta:
    """How often the worker beats: a fifth of FACTCHECK_WORKER_STALE_SECONDS, so a worker counts as
    missing only after several beats in a row went unrun."""
    return timedelta(seconds=settings.FACTCHECK_WORKER_STALE_SECONDS / 5)


@task()
def worker_heartbeat() -> None:
    """Record that a worker is running tasks (WorkerHeartbeat: /readyz, /metrics), delete the
    earlier beats' results, and queue the next beat. Started by the first /readyz (schedule_heartbeat)."""
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(pk=1, defaults={"beat_at": now})
    # This beat is RUNNING: only the earlier ones go. Without this, a row a minute piles up.
    DBTaskResult.objects.filter(
        task_path=worker_heartbeat.module_path, status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED]
    ).delete()
    schedule_heartbeat(after=now)


def schedule_heartbeat(*, after: datetime | None = None) -> bool:
    """Queue the heartbeat task: at once (`after` None) or one interval after `after`, unless a beat
    is already waiting. True if one was queued."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(task_path=worker_heartbeat.module_path, status=TaskResultStatus.READY)
    if waiting.exists():
        return False
    if after is None:
        worker_heartbeat.enqueue()
    else:
        worker_heartbeat.using(run_after=after + heartbeat_interval()).enqueue()
    return True
