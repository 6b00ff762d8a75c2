"""manage.py grant_app_role ROLE: let a PostgreSQL role that owns nothing run the app.

The event log's triggers (migrations 0005 and 0009) refuse updates, deletes and truncation, but a
table's owner can disable them. So the owner runs `migrate` and this command, and the app connects
as a role granted exactly what the app needs: connecting, using the schema, reading and writing the
app's tables (reading and adding only, on the append-only ones), using their sequences. Never
truncation, references, triggers or ownership. The statements and the checks are db.grant_app_role's;
this command reports.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

from annotations import db


class Command(BaseCommand):
    help = (
        "PostgreSQL: grant an existing login role, which must own none of the tables, exactly what "
        "the app needs (no TRUNCATE, no ownership). Run it as the owner, after every migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="the PostgreSQL role the app connects as (DATABASE_URL)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the database alias (default: default)")

    def handle(self, *args, role: str, database: str, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError(
                f"grant_app_role works on PostgreSQL only; the {database!r} database is {connection.display_name}, "
                "which has no roles: whoever can open the file can change it."
            )
        try:
            with transaction.atomic(using=database), connection.cursor() as cursor:
                summary, can_login = db.grant_app_role(connection, cursor, role)
        except db.RoleRefused as exc:
            raise CommandError(str(exc)) from exc
        except DatabaseError as exc:
            raise CommandError(
                f"PostgreSQL refused the grants: {exc}. Run grant_app_role as the role that owns the tables "
                "(the one that runs migrate)."
            ) from exc
        if not can_login:
            self.stderr.write(f"Note: {role!r} cannot log in (NOLOGIN); grant it to the role the app logs in as.")
        self.stdout.write(self.style.SUCCESS(summary))
