"""manage.py export_annotations: write every (or a filtered set of) verdict(s) as JSON, streamed."""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annotations.exporters import FORMATS
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
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")
        parser.add_argument(
            "--base-url", default="", help="Site address for links in w3c/claimreview, e.g. https://factcheck.example"
        )

    def handle(self, *args, article=None, state=None, status=None, format="native", output=None, base_url="", **opts):
        if article and not Article.objects.filter(pk=article).exists():
            raise CommandError(f"There is no article #{article}.")
        selection = Selection(viewer=None, article_id=article, state=state or "", status=status or "")
        target = open(output, "wb") if output else sys.stdout.buffer  # noqa: SIM115 (UTF-8 bytes)
        show_progress = bool(output) and sys.stderr.isatty()
        # The count is a query of its own: only made when a progress bar is shown.
        total = annotation_count(selection) if show_progress else None
        bar = tqdm(total=total, unit="verdict", disable=not show_progress, file=sys.stderr)
        written = 0

        def progress(step: int) -> None:
            nonlocal written
            written += step
            bar.update(step)

        try:
            for chunk in FORMATS[format].stream(selection, base_url=base_url.rstrip("/"), progress=progress):
                target.write(chunk)
        finally:
            bar.close()
            if output:
                target.close()
        if output:
            self.stderr.write(self.style.SUCCESS(f"Wrote {written} verdict(s) to {output}."))
