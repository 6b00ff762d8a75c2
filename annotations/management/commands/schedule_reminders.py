"""manage.py schedule_reminders: start the daily reminder of assignments due tomorrow. The worker
(`manage.py db_worker`) runs it at once, then every day at FACTCHECK_REMINDER_HOUR (each run
queues the next). Safe to run again: a run already waiting is kept, and nobody is reminded twice.
`make run` runs it; in production run it once after each deploy (or daily from cron)."""

from django.core.management.base import BaseCommand

from annotations.tasks import schedule_reminders


class Command(BaseCommand):
    help = "Queue the daily reminder of assignments due tomorrow (run by manage.py db_worker)."

    def handle(self, *args, **options):
        if schedule_reminders():
            self.stdout.write("Queued the due-date reminder: the worker runs it now, then daily.")
        else:
            self.stdout.write("The due-date reminder is already queued.")
