"""manage.py restore FILE: put a backup (manage.py backup) into an empty database.

The rules (same engine only; a database holding factcheck data is refused unless --force; all or
nothing; grants not restored) are annotations.backups'; this command reports, and tells the
operator what to run next.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError

from annotations import backups


class Command(BaseCommand):
    help = (
        "Restore a backup made by manage.py backup into an empty database (createdb, or a new SQLite file), "
        "all or nothing. --force replaces a database that holds data."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the backup file")
        parser.add_argument(
            "--force", action="store_true", help="replace everything in a database that already holds factcheck data"
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the database alias (default: default)")

    def handle(self, *args, file: Path, force: bool, database: str, **options):
        try:
            restored = backups.restore(file, using=database, force=force)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from None
        except DatabaseError as exc:
            raise CommandError(f"The database could not be reached or read: {exc}") from None
        engine = backups.ENGINE_NAMES[restored.engine]
        migration = restored.migration or "(none)"
        self.stdout.write(
            self.style.SUCCESS(f"Restored {file} into the {engine} database, at migration annotations.{migration}.")
        )
        if restored.unknown:
            self.stderr.write(
                self.style.WARNING(
                    "The backup was made by a newer release: it has migrations this code does not know "
                    f"({', '.join(restored.unknown)}). Run that release's code, not this one."
                )
            )
        elif restored.pending:
            self.stderr.write(
                self.style.WARNING(
                    f"The backup is older than this code: {len(restored.pending)} migration(s) to apply "
                    f"({', '.join(restored.pending)}). Run manage.py migrate before starting the app."
                )
            )
        if restored.engine == backups.POSTGRESQL:
            self.stdout.write(
                "Grants are not restored: run manage.py grant_app_role <app role> as this role (the tables' owner)."
            )
