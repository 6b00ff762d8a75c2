"""manage.py check_sources: fetch every cited source again (services.source_archive), e.g. nightly
from cron, so that a page that disappeared is marked "link broken since …" and one that changed
gets a new snapshot."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from annotations import services
from annotations.models import Source


class Command(BaseCommand):
    help = (
        "Check every cited source: a new snapshot when its page changed, 'link broken since' when it "
        "cannot be fetched (the snapshot is kept)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-hours",
            type=int,
            default=0,
            help="Only sources not checked for this many hours (default 0: every cited source).",
        )

    def handle(self, *args, older_than_hours: int, **options):
        if older_than_hours < 0:
            raise CommandError("--older-than-hours must be 0 or more.")
        sources = Source.objects.filter(archive_requested_at__isnull=False)  # cited at least once
        if older_than_hours:
            cutoff = timezone.now() - timedelta(hours=older_than_hours)
            sources = sources.exclude(archive_checked_at__gte=cutoff)
        ids = list(sources.order_by("id").values_list("id", flat=True))
        new = 0
        for source_id in tqdm(ids, desc="Checking", unit="source", disable=not self.stdout.isatty()):
            new += services.source_archive(source_id=source_id) is not None
        broken = Source.objects.filter(pk__in=ids).exclude(archive_error="").count()
        self.stdout.write(
            self.style.SUCCESS(f"Checked {len(ids)} source(s): {new} new snapshot(s), {broken} could not be fetched.")
        )
