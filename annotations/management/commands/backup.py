"""manage.py backup FILE: a consistent copy of the whole database, taken while the app runs.

The rules (one file, written atomically; one snapshot; SQLite's backup API or pg_dump) are
annotations.backups'; this command reports what it wrote.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError
from django.template.defaultfilters import filesizeformat

from annotations import backups


class Command(BaseCommand):
    help = (
        "Back up the whole database to FILE while the app keeps running: SQLite's online backup, or "
        "pg_dump --format=custom on PostgreSQL. Restore it with manage.py restore."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the backup file to write (replaced atomically)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the database alias (default: default)")

    def handle(self, *args, file: Path, database: str, **options):
        try:
            written = backups.backup(file, using=database)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from None
        except DatabaseError as exc:
            raise CommandError(f"The database could not be reached or read: {exc}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up the {backups.ENGINE_NAMES[written.engine]} database to {written.path} "
                f"({filesizeformat(written.size)}, {written.size} bytes), "
                f"at migration annotations.{written.migration or '(none)'}."
            )
        )
