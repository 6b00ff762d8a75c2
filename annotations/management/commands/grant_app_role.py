"""manage.py grant_app_role ROLE: let a PostgreSQL role that owns nothing run the app.

The event log's triggers (migrations 0005 and 0008) refuse UPDATE, DELETE and TRUNCATE, but a
table's owner can disable them. So the owner runs `migrate` and this command, and the app connects
as a role granted exactly what the app needs: CONNECT, USAGE on the schema, SELECT/INSERT/UPDATE/
DELETE on the app's tables (SELECT/INSERT on the append-only ones), USAGE/SELECT on their sequences.
Never TRUNCATE, REFERENCES, TRIGGER or ownership. Tables and sequences come from the installed
models through Django's introspection; every identifier is quoted by psycopg.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from psycopg import sql

from annotations.models import AnnotationEvent

TABLE_PRIVILEGES = sql.SQL("SELECT, INSERT, UPDATE, DELETE")
# Their rows are never changed: without UPDATE and DELETE the role is refused before the trigger.
APPEND_ONLY_MODELS = (AnnotationEvent,)
APPEND_ONLY_PRIVILEGES = sql.SQL("SELECT, INSERT")
SEQUENCE_PRIVILEGES = sql.SQL("USAGE, SELECT")

ROLE_SQL = "SELECT rolsuper, rolcreaterole, rolcanlogin FROM pg_catalog.pg_roles WHERE rolname = %s"
# The relations Django resolves by these names (the search path), with their schema and whether
# the role is, or is a member of, their owner.
RELATIONS_SQL = """
SELECT c.relname, n.nspname, c.relkind = 'S', pg_catalog.pg_has_role(%s, c.relowner, 'MEMBER')
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = ANY(%s) AND c.relkind IN ('r', 'p', 'S') AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY c.relname
"""


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
                summary = self._grant(connection, cursor, role)
        except DatabaseError as exc:
            raise CommandError(
                f"PostgreSQL refused the grants: {exc}. Run grant_app_role as the role that owns the tables "
                "(the one that runs migrate)."
            ) from exc
        self.stdout.write(self.style.SUCCESS(summary))

    def _grant(self, connection, cursor, role: str) -> str:
        cursor.execute(ROLE_SQL, [role])
        row = cursor.fetchone()
        if row is None:
            raise CommandError(
                f"There is no PostgreSQL role {role!r}. Create it first (CREATE ROLE … LOGIN PASSWORD '…')."
            )
        is_superuser, can_create_roles, can_login = row
        if is_superuser:
            raise CommandError(f"{role!r} is a superuser: it could disable the event log's triggers.")
        if can_create_roles:
            raise CommandError(
                f"{role!r} has CREATEROLE: it could make itself a member of the tables' owner. "
                f"Use a role without it (ALTER ROLE … NOCREATEROLE)."
            )

        tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
        sequences = [sequence["name"] for sequence in connection.introspection.sequence_list()]
        cursor.execute(RELATIONS_SQL, [role, [*tables, *sequences]])
        relations = cursor.fetchall()
        owned = sorted(name for name, _, _, owns in relations if owns)
        if owned:
            raise CommandError(
                f"{role!r} owns (or is a member of the owner of) {', '.join(owned)}: an owner can disable "
                "the event log's triggers. Give the app a role that owns nothing."
            )
        append_only = {model._meta.db_table for model in APPEND_ONLY_MODELS}
        by_kind: dict[str, list[sql.Identifier]] = {"table": [], "append-only": [], "sequence": []}
        for name, schema, is_sequence, _ in relations:
            kind = "sequence" if is_sequence else "append-only" if name in append_only else "table"
            by_kind[kind].append(sql.Identifier(schema, name))
        schemas = sorted({schema for _, schema, _, _ in relations})
        cursor.execute("SELECT current_database()")
        (database_name,) = cursor.fetchone()

        grantee = sql.Identifier(role)
        statements = [
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database_name), grantee),
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.SQL(", ").join(map(sql.Identifier, schemas)), grantee),
        ]
        # REVOKE first, so that a second run also takes back anything granted by hand since.
        for kind, privileges, on in [
            ("table", TABLE_PRIVILEGES, sql.SQL("TABLE")),
            ("append-only", APPEND_ONLY_PRIVILEGES, sql.SQL("TABLE")),
            ("sequence", SEQUENCE_PRIVILEGES, sql.SQL("SEQUENCE")),
        ]:
            if by_kind[kind]:
                names = sql.SQL(", ").join(by_kind[kind])
                statements.append(sql.SQL("REVOKE ALL ON {} {} FROM {}").format(on, names, grantee))
                statements.append(sql.SQL("GRANT {} ON {} {} TO {}").format(privileges, on, names, grantee))
        for statement in statements:
            cursor.execute(statement.as_string(connection.connection))

        if not can_login:
            self.stderr.write(f"Note: {role!r} cannot log in (NOLOGIN); grant it to the role the app logs in as.")
        return (
            f"Granted {role} on database {database_name}: CONNECT; USAGE on schema {', '.join(schemas)}; "
            f"SELECT, INSERT, UPDATE, DELETE on {len(by_kind['table'])} tables; SELECT, INSERT on the append-only "
            f"{', '.join(sorted(append_only))}; USAGE, SELECT on {len(by_kind['sequence'])} sequences. "
            "No TRUNCATE, no ownership."
        )
