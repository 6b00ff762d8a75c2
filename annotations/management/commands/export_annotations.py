"""manage.py export_annotations: write every (or a filtered set of) verdict(s) as JSON, streamed."""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annotations.exporters import FORMATS, parallel
from annotations.exporters.common import Selection, annotation_count
from annotations.models import Article, State, Status


class Command(BaseCommand):
    requires_system_checks = []  # a read-only export; start-up time counts for large exports
    help = "Export verdicts as native JSON (docs/export.schema.json), W3C Web Annotations or schema.org ClaimReview."

    def add_arguments(self, parser):
        parser.add_argument("--article", type=int, help="Only this article id.")
        parser.add_argument("--state", choices=State.values)
        parser.add_argument("--status", choices=Status.values)
        parser.add_argument("--format", choices=sorted(FORMATS), default="native")
        parser.add_argument(
            "--with-snapshots",
            action="store_true",
            help="native: write each cited source's latest snapshot with its text, not only its metadata and hash.",
        )
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")
        parser.add_argument(
            "--base-url", default="", help="Site address for links in w3c/claimreview, e.g. https://factcheck.example"
        )
        parser.add_argument(
            "--jobs",
            "-j",
            type=int,
            help=(
                "Processes writing the export side by side, each a range of articles (default: one per CPU, "
                f"up to {parallel.MAX_DEFAULT_JOBS}, when each gets at least {parallel.MIN_PER_JOB:,} verdicts). "
                "The file is the same."
            ),
        )

    def handle(self, *args, article=None, state=None, status=None, format="native", output=None, **opts):
        if opts["jobs"] is not None and opts["jobs"] < 1:
            raise CommandError("--jobs must be 1 or more.")
        if article and not Article.objects.filter(pk=article).exists():
            raise CommandError(f"There is no article #{article}.")
        selection = Selection(
            viewer=None,
            article_id=article,
            state=state or "",
            status=status or "",
            snapshot_text=opts["with_snapshots"],
        )
        # Asked for by number, the jobs are used whatever the size; by default only for large exports.
        jobs, min_per_job = (opts["jobs"], 1) if opts["jobs"] else (parallel.default_jobs(), parallel.MIN_PER_JOB)
        target = open(output, "wb") if output else sys.stdout.buffer  # noqa: SIM115 (UTF-8 bytes)
        show_progress = bool(output) and sys.stderr.isatty()
        # The count is a query of its own: only made when a progress bar is shown.
        total = annotation_count(selection) if show_progress else None
        tqdm.monitor_interval = 0  # no monitor thread: the export may fork (exporters.parallel)
        bar = tqdm(total=total, unit="verdict", disable=not show_progress, file=sys.stderr)
        written = 0

        def progress(step: int) -> None:
            nonlocal written
            written += step
            bar.update(step)

        try:
            parallel.write(
                FORMATS[format],
                selection,
                target,
                jobs=jobs,
                min_per_job=min_per_job,
                base_url=opts["base_url"].rstrip("/"),
                progress=progress,
            )
        except parallel.PartFailed as exc:
            raise CommandError(f"The export failed: {exc}; see the error above.") from exc
        finally:
            bar.close()
            if output:
                target.close()
            else:
                target.flush()
        if output:
            self.stderr.write(self.style.SUCCESS(f"Wrote {written} verdict(s) to {output}."))
