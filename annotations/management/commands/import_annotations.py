"""manage.py import_annotations FILE: restore a native export into an empty database."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from annotations.importing_export import import_export


class Command(BaseCommand):
    help = "Restore a native export (docs/export.schema.json) into an empty database, in one transaction."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            document = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"{file} does not exist.") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{file} is not a JSON export: {exc}") from None
        except RecursionError:
            raise CommandError(f"{file} is not a JSON export: it is nested too deeply.") from None
        try:
            articles, annotations = import_export(document)
        except ValidationError as exc:
            lines = "\n  ".join(exc.messages)
            raise CommandError(f"{file} was not imported; nothing was changed:\n  {lines}") from None
        self.stdout.write(self.style.SUCCESS(f"Imported {articles} article(s) and {annotations} verdict(s)."))
