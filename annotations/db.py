"""Every piece of hand-written SQL in factcheck, each with what it buys (docs/performance.md has
the figures, the test that keeps its output equal to the ORM's, and when it could go).

Rules are not stated here: who may see what comes in as a compiled Q from selectors, roles as
group names from roles.py. Only identifiers, quoted by the database backend from the models'
metadata, are put into SQL text; every value is a parameter.
"""

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, connections, models, router, transaction
from django.db.models import CharField, F, Func, Lookup, QuerySet
from django.db.models.expressions import RawSQL, Value
from django.db.models.functions import Replace
import orjson
from psycopg import sql
from rest_framework.authtoken.models import Token

from .models import Annotation, AnnotationEvent, AnnotationSource, Sentence

# --- Timestamps and id lists (exports and the API list) --------------------------------------

# SQLite stores UTC as `2026-11-26 19:05:29.858547`: as ISO 8601 text, a T and a Z.
SQLITE_ISO_TEXT = "(replace({}, ' ', 'T') || 'Z')"


class IsoText(Func):
    """A timestamp as ISO 8601 text in UTC (`2026-11-26T19:05:29.858547Z`), as DRF and
    `datetime.isoformat()` write it (zero microseconds left out), built by the database.

    Buys: reading text skips Django's per-value datetime conversion, the slowest part of a large
    export and of a page of 500 verdicts."""

    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template=SQLITE_ISO_TEXT.format("%(expressions)s"), **extra)

    def as_postgresql(self, compiler, connection, **extra):
        # Six digits of microseconds, then `.000000` dropped: one to_char per value.
        template = (
            "replace(to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '') || 'Z'"
        )
        return self.as_sql(compiler, connection, template=template, **extra)


class IdsIn(Lookup):
    """`column IN ids`, with the ids sent as one parameter (a PostgreSQL array, a JSON array read by
    SQLite's json_each) rather than one placeholder per id.

    Buys: Django adapts and the database parses one value instead of thousands, and PostgreSQL
    prepares one statement for any number of ids."""

    lookup_name = "ids_in"
    prepare_rhs = False

    def __init__(self, column: str, ids: list[int]):
        super().__init__(F(column), [int(value) for value in ids])

    def get_prep_lookup(self):
        return self.rhs

    def as_sqlite(self, compiler, connection):
        column, params = self.process_lhs(compiler, connection)
        return _ids_in_sql(column, connection.vendor), (*params, _ids_parameter(self.rhs, connection.vendor))

    as_postgresql = as_sqlite


def _ids_in_sql(column: str, vendor: str) -> str:
    if vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])"
    return f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608 (a compiled column; values are parameters)


def _ids_parameter(ids: list[int], vendor: str) -> str:
    """A PostgreSQL array literal (adapting a list of thousands of ints costs more than the query),
    or a JSON array for SQLite's json_each."""
    if vendor == "postgresql":
        return "{" + ",".join(map(str, ids)) + "}"
    return orjson.dumps(ids).decode()


def fetch_tuples(rows: QuerySet) -> list[tuple]:
    """A values_list() whose columns need no converter (ints and text), read with one fetchall().

    Buys: an export chunk's few thousand rows in one call instead of Django's pieces of a hundred,
    each passed through its converters."""
    sql, params = rows.query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- Creating a verdict --------------------------------------------------------------------------


def _insert_fields(model: type[models.Model]) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields if not field.primary_key]


@cache
def _new_verdict_sql() -> str:
    """PostgreSQL: a new annotation, its `create` event and its source links in one statement.

    Data-modifying CTEs run exactly once, together, so the statement is atomic on its own: no
    BEGIN and COMMIT, one round trip instead of four or five. Columns come from the models'
    metadata; the links arrive as four arrays (source, relation, pinpoint, position).
    """
    quote = connection.ops.quote_name
    event_annotation = AnnotationEvent._meta.get_field("annotation")
    link = AnnotationSource._meta

    def columns(fields: list[models.Field]) -> str:
        return ", ".join(quote(field.column) for field in fields)

    annotation_fields, event_fields = _insert_fields(Annotation), _insert_fields(AnnotationEvent)
    placeholders = ", ".join(["%s"] * len(annotation_fields))
    event_values = ", ".join("(SELECT id FROM a)" if field is event_annotation else "%s" for field in event_fields)
    link_columns = [link.get_field(name) for name in ("annotation", "source", "relation", "pinpoint", "position")]
    return (
        f"WITH a AS (INSERT INTO {quote(Annotation._meta.db_table)} ({columns(annotation_fields)}) "  # noqa: S608
        f"VALUES ({placeholders}) RETURNING {quote(Annotation._meta.pk.column)} AS id), "
        f"l AS (INSERT INTO {quote(link.db_table)} ({columns(link_columns)}) "
        "SELECT a.id, s.* FROM a, unnest(%s::bigint[], %s::text[], %s::text[], %s::integer[]) s) "
        f"INSERT INTO {quote(AnnotationEvent._meta.db_table)} ({columns(event_fields)}) VALUES ({event_values}) "
        f"RETURNING {quote(event_annotation.column)}, {quote(AnnotationEvent._meta.pk.column)}"
    )


def _db_values(instance: models.Model, fields: list[models.Field]) -> list:
    """The values the ORM would write for these fields of a new instance."""
    return [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]


def insert_new_verdict(annotation: Annotation, event: AnnotationEvent, links: list[AnnotationSource]) -> None:
    """Write a new annotation with its first event and its source links (all unsaved), atomically.

    Buys (PostgreSQL): creating verdicts is the busiest write, and one statement halves its server
    CPU. Elsewhere the ORM writes the three in a transaction."""
    if connection.vendor != "postgresql":
        with transaction.atomic():
            annotation.save(force_insert=True)
            event.annotation = annotation
            event.save(force_insert=True)
            for link in links:
                link.annotation = annotation
            AnnotationSource.objects.bulk_create(links)
        return
    event_fields = [field for field in _insert_fields(AnnotationEvent) if field.name != "annotation"]
    arrays = [[getattr(link, name) for link in links] for name in ("source_id", "relation", "pinpoint", "position")]
    with connection.cursor() as cursor:
        cursor.execute(
            _new_verdict_sql(),
            [*_db_values(annotation, _insert_fields(Annotation)), *arrays, *_db_values(event, event_fields)],
        )
        annotation.pk, event.pk = cursor.fetchone()
    for instance in (annotation, event):
        instance._state.adding, instance._state.db = False, connection.alias
    event.annotation = annotation
    for link in links:
        link.annotation = annotation


# --- An article's sentences ---------------------------------------------------------------------

SENTENCE_COLUMNS = ("article", "index", "paragraph", "start", "end")


@cache
def _sentence_columns() -> str:
    return ", ".join(connection.ops.quote_name(Sentence._meta.get_field(name).column) for name in SENTENCE_COLUMNS)


def insert_sentences(rows: list[tuple[int, int, int, int, int]]) -> None:
    """Insert sentence rows, (article id, index, paragraph, start, end) each, in the caller's transaction.

    Buys: an import's inserts hold SQLite's write lock, and the ORM's bulk_create spends most of an
    import's insert time building its statements row by row (a 1 MB article has 27,000 sentences).
    PostgreSQL takes the rows by COPY, SQLite by executemany; the database checks them as always.
    """
    table = connection.ops.quote_name(Sentence._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Django's errors (IntegrityError), as its own cursor raises them.
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({_sentence_columns()}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(SENTENCE_COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({_sentence_columns()}) VALUES ({placeholders})", rows)  # noqa: S608


# --- The API's token -----------------------------------------------------------------------------


@cache
def _token_user_sql(group_count: int) -> str:
    """The token's user, one boolean column per role group, then the token's creation time."""
    quote = connection.ops.quote_name
    user_model = get_user_model()
    membership = user_model.groups.through._meta
    names = {
        "membership": quote(membership.db_table),
        "member_user": quote(membership.get_field("user").column),
        "member_group": quote(membership.get_field("group").column),
        "group": quote(Group._meta.db_table),
        "group_pk": quote(Group._meta.pk.column),
        "group_name": quote(Group._meta.get_field("name").column),
        "user": quote(user_model._meta.db_table),
        "user_pk": quote(user_model._meta.pk.column),
        "token": quote(Token._meta.db_table),
        "token_key": quote(Token._meta.get_field("key").column),
        "token_user": quote(Token._meta.get_field("user").column),
        "token_created": quote(Token._meta.get_field("created").column),
    }
    flag = (
        "EXISTS (SELECT 1 FROM {membership} m INNER JOIN {group} g ON g.{group_pk} = m.{member_group} "
        "WHERE m.{member_user} = u.{user_pk} AND g.{group_name} = %s)"
    )
    flags = ", ".join(flag.format(**names) for _ in range(group_count))
    columns = ", ".join(f"u.{quote(field.column)}" for field in user_model._meta.concrete_fields)
    query = (
        "SELECT {columns}, {flags}, t.{token_created} FROM {token} t "
        "INNER JOIN {user} u ON u.{user_pk} = t.{token_user} WHERE t.{token_key} = %s"
    )
    return query.format(columns=columns, flags=flags, **names)


def token_user(key: str, groups: tuple[str, ...]):
    """(the token's user, the names of `groups` they are in, when the token was created), or None
    for an unknown key.

    Buys: every API request authenticates; DRF's TokenAuthentication needs one query for the token
    and its user and the role checks another for the groups: this is one statement. The user is
    loaded from the row as the ORM loads one (`from_db`)."""
    with connection.cursor() as cursor:
        cursor.execute(_token_user_sql(len(groups)), [*groups, key])
        row = cursor.fetchone()
    if row is None:
        return None
    user_model = get_user_model()
    count = len(user_model._meta.concrete_fields)
    user = instance_from_row(user_model, row[:count])
    flags = row[count : count + len(groups)]
    (created,) = _converted([Token._meta.get_field("created")], row[-1:])
    return user, {name for name, member in zip(groups, flags, strict=True) if member}, created


def instance_from_row(model: type[models.Model], row: tuple) -> models.Model:
    """A model instance from a raw row of all its concrete columns, in order, as the ORM loads one
    (its converters applied: SQLite gives datetimes naive, in UTC; then Model.from_db)."""
    fields = model._meta.concrete_fields
    return model.from_db(connection.alias, [field.attname for field in fields], _converted(fields, row))


def _converted(fields, row) -> list:
    values = list(row)
    for position, column, converters in _converters(tuple(fields), connection.vendor):
        for converter in converters:
            values[position] = converter(values[position], column, connection)
    return values


@cache
def _converters(fields: tuple, vendor: str) -> list:
    """The backend's and the fields' converters of the columns that have any (once per process)."""
    found = []
    for position, field in enumerate(fields):
        column = field.get_col(field.model._meta.db_table)
        converters = [*connection.ops.get_db_converters(column), *column.get_db_converters(connection)]
        if converters:
            found.append((position, column, converters))
    return found


# --- The app's PostgreSQL role (manage.py grant_app_role) ----------------------------------------


class RoleRefused(Exception):
    """A role that must not run the app; the message says why and what to do."""


TABLE_PRIVILEGES = sql.SQL("SELECT, INSERT, UPDATE, DELETE")
# Their rows are never changed: without UPDATE and DELETE the role is refused before the trigger.
APPEND_ONLY_MODELS = (AnnotationEvent,)
APPEND_ONLY_PRIVILEGES = sql.SQL("SELECT, INSERT")
SEQUENCE_PRIVILEGES = sql.SQL("USAGE, SELECT")
# Which migrations ran: read by /readyz (health.readiness), written only by the owner's migrate.
READ_ONLY_TABLES = ("django_migrations",)
READ_ONLY_PRIVILEGES = sql.SQL("SELECT")

ROLE_SQL = "SELECT rolsuper, rolcreaterole, rolcanlogin FROM pg_catalog.pg_roles WHERE rolname = %s"
# The relations Django resolves by these names (the search path), with their schema and whether
# the role is, or is a member of, their owner.
RELATIONS_SQL = """
SELECT c.relname, n.nspname, c.relkind = 'S', pg_catalog.pg_has_role(%s, c.relowner, 'MEMBER')
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = ANY(%s) AND c.relkind IN ('r', 'p', 'S') AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY c.relname
"""


def grant_app_role(connection, cursor, role: str) -> tuple[str, bool]:
    """Grant `role` what the app needs and nothing more (see manage.py grant_app_role); returns
    (a summary, whether the role can log in). Refuses a role that could disable the event log's
    triggers (RoleRefused). Buys: the event log stays append-only against the app's own role."""
    cursor.execute(ROLE_SQL, [role])
    row = cursor.fetchone()
    if row is None:
        raise RoleRefused(f"There is no PostgreSQL role {role!r}. Create it first (CREATE ROLE … LOGIN PASSWORD '…').")
    is_superuser, can_create_roles, can_login = row
    if is_superuser:
        raise RoleRefused(f"{role!r} is a superuser: it could disable the event log's triggers.")
    if can_create_roles:
        raise RoleRefused(
            f"{role!r} has CREATEROLE: it could make itself a member of the tables' owner. "
            f"Use a role without it (ALTER ROLE … NOCREATEROLE)."
        )

    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    sequences = [sequence["name"] for sequence in connection.introspection.sequence_list()]
    cursor.execute(RELATIONS_SQL, [role, [*tables, *READ_ONLY_TABLES, *sequences]])
    relations = cursor.fetchall()
    owned = sorted(name for name, _, _, owns in relations if owns)
    if owned:
        raise RoleRefused(
            f"{role!r} owns (or is a member of the owner of) {', '.join(owned)}: an owner can disable "
            "the event log's triggers. Give the app a role that owns nothing."
        )
    append_only = {model._meta.db_table for model in APPEND_ONLY_MODELS}
    by_kind: dict[str, list[sql.Identifier]] = {"table": [], "append-only": [], "read-only": [], "sequence": []}
    for name, schema, is_sequence, _ in relations:
        kind = (
            "sequence"
            if is_sequence
            else "append-only"
            if name in append_only
            else "read-only"
            if name in READ_ONLY_TABLES
            else "table"
        )
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
        ("read-only", READ_ONLY_PRIVILEGES, sql.SQL("TABLE")),
        ("sequence", SEQUENCE_PRIVILEGES, sql.SQL("SEQUENCE")),
    ]:
        if by_kind[kind]:
            names = sql.SQL(", ").join(by_kind[kind])
            statements.append(sql.SQL("REVOKE ALL ON {} {} FROM {}").format(on, names, grantee))
            statements.append(sql.SQL("GRANT {} ON {} {} TO {}").format(privileges, on, names, grantee))
    for statement in statements:
        cursor.execute(statement.as_string(connection.connection))

    summary = (
        f"Granted {role} on database {database_name}: CONNECT; USAGE on schema {', '.join(schemas)}; "
        f"SELECT, INSERT, UPDATE, DELETE on {len(by_kind['table'])} tables; SELECT, INSERT on the append-only "
        f"{', '.join(sorted(append_only))}; SELECT on {', '.join(READ_ONLY_TABLES)}; "
        f"USAGE, SELECT on {len(by_kind['sequence'])} sequences. "
        "No TRUNCATE, no ownership."
    )
    return summary, can_login


# --- The read replica's lag (annotations.replicas) ----------------------------------------------

PRIMARY_WAL_SQL = "SELECT pg_catalog.pg_current_wal_lsn()::text"
# Caught up: it has replayed all the WAL the primary had written a moment before (an idle primary's
# replica is current however old its last transaction is). Otherwise: the age of the last
# transaction it replayed, which over-states the lag after an idle spell (never under-states it).
REPLICA_LAG_SQL = """
SELECT pg_catalog.pg_is_in_recovery(),
       CASE WHEN pg_catalog.pg_last_wal_replay_lsn() >= %s::pg_lsn THEN 0
            ELSE extract(epoch FROM clock_timestamp() - pg_catalog.pg_last_xact_replay_timestamp())::float8
       END
"""


def replica_lag(primary, replica) -> float:
    """Seconds by which the replica's data is behind the primary's (the two are connections);
    infinite when `replica` is not a standby in recovery or has replayed no transaction yet.
    Buys: reads are sent to a replica only while its answers are at most a bound behind."""
    with primary.cursor() as cursor:
        cursor.execute(PRIMARY_WAL_SQL)
        (position,) = cursor.fetchone()
    with replica.cursor() as cursor:
        cursor.execute(REPLICA_LAG_SQL, [position])
        in_recovery, lag = cursor.fetchone()
    return float(lag) if in_recovery and lag is not None else float("inf")


# --- ORM statements compiled once per shape ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Slot:
    """A parameter of a compiled statement that each run fills in."""

    name: str


@dataclass(frozen=True, slots=True)
class Compiled:
    """An ORM statement compiled once: its SQL, its parameters (literals or _Slot), its columns."""

    sql: str
    params: tuple
    names: tuple[str, ...]
    model: type[models.Model]

    def tuples(self, **values) -> list[tuple]:
        """Run it with these values for its slots; rows as tuples, as `.values_list()` gives them."""
        params = [values[param.name] if isinstance(param, _Slot) else param for param in self.params]
        # Where the ORM would read it (the router: a replica for heavy reads, annotations.replicas).
        with connections[router.db_for_read(self.model)].cursor() as cursor:
            cursor.execute(self.sql, params)
            return cursor.fetchall()

    def rows(self, **values) -> list[dict]:
        """Run it with these values for its slots; rows as dicts, as `.values()` gives them."""
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in self.tuples(**values)]


class NotCompilable(Exception):
    """A queryset whose compiled statement cannot be reused with new values."""


def compile_values(build, slots: dict[str, type]) -> Compiled:
    """Compile the `.values()` (or `.values_list()`) queryset that `build(values)` makes, once, for every run with other
    `values` of the same shape (which the caller's cache key names). A slot the statement does not
    use (a viewer whose role makes the rule ignore their id) is simply not filled in.

    Buys: building and compiling a queryset costs more than running it for the API's reads of a
    verdict; the ORM still writes the statement, so no rule is restated. Each slot is given a
    sentinel value that no literal can equal, found again among the compiled parameters, and
    replaced by the real value at each run. Refused (NotCompilable) when a sentinel does not come
    out as one whole parameter, or a column needs a converter.
    """
    sentinels = {
        name: (-(2**62) - number if kind is int else f"\x01slot-{number}-{name}\x01")
        for number, (name, kind) in enumerate(slots.items())
    }
    queryset = build(sentinels)
    query = queryset.query
    compiler = query.get_compiler(queryset.db)
    sql, params = compiler.as_sql()
    if compiler.get_converters([column for column, _, _ in compiler.select]):
        raise NotCompilable("a column needs a converter")
    slot_of = {value: name for name, value in sentinels.items()}
    compiled_params = []
    for param in params:
        name = slot_of.get(param) if isinstance(param, int | str) and not isinstance(param, bool) else None
        if name is None and any(str(value) in str(param) for value in sentinels.values()):
            raise NotCompilable("a value was changed on its way into a parameter")
        compiled_params.append(_Slot(name) if name else param)
    if any(str(value) in sql for value in sentinels.values()):
        raise NotCompilable("a value was written into the SQL text")
    names = list(query.selected) if query.selected else [*query.extra_select, *query.values_select]
    names += [] if query.selected else list(query.annotation_select)
    return Compiled(sql, tuple(compiled_params), tuple(names), queryset.model)


# --- Full-text search (tables, columns and triggers: migration 0013_search) ------------------------

SEARCH_MARK = ("\ue000", "\ue001")  # around matched words in snippets; views escape, then mark
SEARCH_MAX_WORDS = 32
# ts_headline drops anything shaped like an HTML tag; the text goes in with < and > stood in for,
# and comes out restored (search_snippet_text), so a typed "<script>" stays visible text.
SEARCH_SHIELD = str.maketrans({"<": "\ue002", ">": "\ue003"})
SEARCH_UNSHIELD = str.maketrans({"\ue002": "<", "\ue003": ">"})


@dataclass(frozen=True)
class SearchTable:
    fts: str  # SQLite FTS5 table
    weights: tuple[float, ...]  # bm25 weight of each FTS5 column, in order


SEARCH_TABLES = {
    "article": SearchTable("search_article", (10.0, 1.0)),
    "verdict": SearchTable("search_annotation", (4.0, 1.0, 2.0, 2.0)),
    "source": SearchTable("search_source", (4.0, 2.0, 1.0)),
}


def search_words(text: str) -> list[str]:
    """The words of a query: letters and digits only, so operators, quotes and SQL are just
    separators, and every engine sees the same words."""
    return [word[:100] for word in re.findall(r"[^\W_]+", text)][:SEARCH_MAX_WORDS]


def search_match(
    queryset: QuerySet, *, kind: str, words: list[str], snippet_of, offset: int = 0, limit: int = 20
) -> QuerySet:
    """One page (`offset`, `limit`) of the rows of `queryset` matching every word (the last one as a
    prefix, for typing), best first (`search_score`, higher is better, then the newest id), each
    annotated with `search_score` and `search_snippet` (matched words between SEARCH_MARK).
    SQLite: FTS5 MATCH, bm25, snippet(). PostgreSQL: the stored tsvector, to_tsquery
    (_postgresql_query: word for word and in the desk's search languages), ts_rank, ts_headline.

    Buys: real indexes instead of `icontains` scans; the ORM still applies visibility and filters.
    On SQLite the page is ranked in one pass of FTS5 over the matches (_search_page_sqlite).
    """
    if connection.vendor == "postgresql":
        model_table = connection.ops.quote_name(queryset.model._meta.db_table)
        found = _search_match_postgresql(queryset, model_table, words, snippet_of)
        return found.order_by("-search_score", "-id")[offset : offset + limit]
    return _search_page_sqlite(queryset, kind=kind, words=words, offset=offset, limit=limit)


def _fts_match(words: list[str]) -> str:
    return " ".join(f'"{word}"' for word in words) + "*"


def _search_page_sqlite(queryset: QuerySet, *, kind: str, words: list[str], offset: int, limit: int) -> QuerySet:
    """The page ranked in one pass: FTS5 streams the matches with their bm25 (cheap inside the
    scan), each is kept if the viewer's `queryset` holds it (its primary key, looked up), and the
    best `limit` after `offset` remain. The rows are then read for those ids only, their score
    taken from the same ranking (materialized once per statement) and their snippet made for them
    alone: one statement, as before.

    Buys: bm25 and snippet() in a correlated subquery (search_match_plain) reopen the FTS5 query
    for every matching row (the last word's prefix expanded and every word's document count read
    each time), so the time grew with the square of the matches; docs/performance.md has the figures.
    """
    table = SEARCH_TABLES[kind]
    fts = table.fts
    model_table = connection.ops.quote_name(queryset.model._meta.db_table)
    match = _fts_match(words)
    weights = ", ".join(str(weight) for weight in table.weights)
    # The viewer's rows, as the ORM states them (visibility, filters), narrowed to the match at hand.
    held = queryset.filter(pk=RawSQL("ranked.id", [])).order_by().values("pk")
    held_sql, held_params = held.query.sql_with_params()
    # Identifiers and numbers come from SEARCH_TABLES and the model's metadata; values are parameters.
    ranking = (
        f"SELECT ranked.id, ranked.score FROM (SELECT rowid AS id, -bm25({fts}, {weights}) AS score FROM {fts} "  # noqa: S608
        f"WHERE {fts} MATCH %s) AS ranked WHERE EXISTS ({held_sql}) "
        "ORDER BY ranked.score DESC, ranked.id DESC LIMIT %s OFFSET %s"
    )
    params = [match, *held_params, limit, offset]
    page = RawSQL(f"SELECT id FROM ({ranking})", params)  # noqa: S608, S611
    score = f"(WITH page AS MATERIALIZED ({ranking}) SELECT page.score FROM page WHERE page.id = {model_table}.id)"  # noqa: S608
    start, stop = (f"char({ord(mark)})" for mark in SEARCH_MARK)
    snippet = (
        f"(SELECT snippet({fts}, -1, {start}, {stop}, '…', 24) FROM {fts} "  # noqa: S608
        f"WHERE {fts} MATCH %s AND {fts}.rowid = {model_table}.id)"
    )
    return (
        queryset.filter(id__in=page)
        .annotate(
            search_score=RawSQL(score, params, output_field=models.FloatField()),  # noqa: S611
            search_snippet=RawSQL(snippet, [match], output_field=CharField()),  # noqa: S611
        )
        .order_by("-search_score", "-id")
    )


def search_match_plain(
    queryset: QuerySet, *, kind: str, words: list[str], snippet_of, offset: int = 0, limit: int = 20
) -> QuerySet:
    """search_match as first written: the rows filtered by the match, each ranked and quoted by a
    correlated subquery. What the SQLite page must equal (its guard test); PostgreSQL's path is this one."""
    if connection.vendor == "postgresql":
        model_table = connection.ops.quote_name(queryset.model._meta.db_table)
        found = _search_match_postgresql(queryset, model_table, words, snippet_of)
        return found.order_by("-search_score", "-id")[offset : offset + limit]
    table = SEARCH_TABLES[kind]
    fts = table.fts
    model_table = connection.ops.quote_name(queryset.model._meta.db_table)
    match = _fts_match(words)
    weights = ", ".join(str(weight) for weight in table.weights)
    one = f"FROM {fts} WHERE {fts} MATCH %s AND {fts}.rowid = {model_table}.id"
    start, stop = (f"char({ord(mark)})" for mark in SEARCH_MARK)
    score = f"(SELECT -bm25({fts}, {weights}) {one})"
    snippet = f"(SELECT snippet({fts}, -1, {start}, {stop}, '…', 24) {one})"
    return (
        queryset.filter(id__in=search_ids(queryset.model, kind=kind, words=words))
        .annotate(
            search_score=RawSQL(score, [match], output_field=models.FloatField()),  # noqa: S611
            search_snippet=RawSQL(snippet, [match], output_field=CharField()),  # noqa: S611
        )
        .order_by("-search_score", "-id")[offset : offset + limit]
    )


def search_ids(model: type[models.Model], *, kind: str, words: list[str]):
    """The ids of `model` rows matching every word (the last as a prefix), for `id__in`: the same
    engine and the same meaning as search_match, without rank or snippet (the article list and
    the API's `?search=` / `?q=` keep their own order)."""
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchVectorField

        query = _postgresql_query(words)
        table = connection.ops.quote_name(model._meta.db_table)
        vector = RawSQL(f"{table}.search_vector", [], output_field=SearchVectorField())  # noqa: S611
        return model.objects.alias(search_vector_=vector).filter(search_vector_=query).values("id")
    fts = SEARCH_TABLES[kind].fts
    return RawSQL(f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", [_fts_match(words)])  # noqa: S608, S611


def _postgresql_query(words: list[str]):
    """Every word (the last as a prefix) read word for word (`simple`) or stemmed in any of the
    desk's search languages (FACTCHECK_SEARCH_LANGUAGES, through the migration's
    factcheck_ts_config, the one map from language to configuration). The words are letters and
    digits only (search_words), so the raw tsquery syntax cannot be injected."""
    from django.contrib.postgres.search import SearchQuery

    raw = " & ".join(words) + ":*"
    query = SearchQuery(raw, config="simple", search_type="raw")
    for language in settings.FACTCHECK_SEARCH_LANGUAGES:
        config = Func(Value(language), function="factcheck_ts_config", output_field=CharField())
        query |= SearchQuery(raw, config=config, search_type="raw")
    return query


def _search_match_postgresql(queryset: QuerySet, model_table: str, words: list[str], snippet_of) -> QuerySet:
    from django.contrib.postgres.search import SearchHeadline, SearchRank, SearchVectorField

    query = _postgresql_query(words)
    vector = RawSQL(f"{model_table}.search_vector", [], output_field=SearchVectorField())  # noqa: S611
    text, config = snippet_of
    for char, stand_in in SEARCH_SHIELD.items():
        text = Replace(text, Value(chr(char)), Value(stand_in))
    start, stop = SEARCH_MARK
    return (
        queryset.alias(search_vector_=vector)
        .filter(search_vector_=query)
        .annotate(
            search_score=SearchRank(vector, query),
            search_snippet=SearchHeadline(
                text,
                query,
                config=config,
                start_sel=start,
                stop_sel=stop,
                max_words=24,
                min_words=8,
                max_fragments=1,
                fragment_delimiter=" … ",
            ),
        )
    )


# The short text of each kind that a misspelled word is looked for in (trigram indexes: migration
# 0014_trigram). How alike words must be is the connection's pg_trgm.word_similarity_threshold
# (settings.py), which the index applies.
FUZZY_COLUMNS = {"article": "title", "verdict": "quote", "source": "title"}


def search_fuzzy(queryset: QuerySet, *, kind: str, words: list[str]) -> QuerySet | None:
    """On PostgreSQL, `queryset` narrowed to rows whose short text (FUZZY_COLUMNS) has words like
    the query's, every word with a close match (pg_trgm's `%>`), with `search_score` (the
    weakest word's similarity) and `search_snippet` (that text): for a search that found nothing,
    because a word is misspelled ("Huwei") or too short to stem. None on SQLite, which has no
    trigram index.

    Buys: a "did you mean" without a hand-rolled index; the ORM still applies visibility and filters.
    """
    if connection.vendor != "postgresql":
        return None
    from django.contrib.postgres.lookups import TrigramWordSimilar
    from django.contrib.postgres.search import TrigramWordSimilarity
    from django.db.models.functions import Least

    column = FUZZY_COLUMNS[kind]
    scores = [TrigramWordSimilarity(Value(word), column) for word in words]
    for word in words:
        queryset = queryset.filter(TrigramWordSimilar(F(column), Value(word)))
    score = Least(*scores) if len(scores) > 1 else scores[0]
    return queryset.annotate(search_score=score, search_snippet=F(column))


def search_snippet_text(snippet: str | None) -> str:
    """A snippet as the engine returned it, with the shielded < and > put back."""
    return (snippet or "").translate(SEARCH_UNSHIELD)


# --- "Checked before": verdicts whose quote shares any word (selectors.similar_verdicts) ------------

SIMILAR_WORD = re.compile(r"[^\W_]+")


def similar_match(queryset: QuerySet, *, words: list[str]) -> QuerySet:
    """`queryset` (verdicts) narrowed to those whose quote holds ANY of `words`, annotated with
    `search_score` (higher is better): the candidates "Checked before" ranks again in Python.
    SQLite: FTS5 `quote : ("w1" OR "w2" …)`, bm25 on the quote. PostgreSQL: the stored tsvector's
    quote weight (`w1:A | w2:A …`), word for word and in the desk's search languages, ts_rank.

    Each word is letters and digits only (anything else is dropped here again, whatever the
    caller sent) and quoted, so operators, quotes and SQL are never more than words.

    Buys: the index picks a few dozen candidates out of every verdict; string similarity on all of
    them would read the whole table."""
    words = [word[:100] for word in words if SIMILAR_WORD.fullmatch(word)][:SEARCH_MAX_WORDS]
    if not words:
        return queryset.none()
    model_table = connection.ops.quote_name(queryset.model._meta.db_table)
    if connection.vendor == "postgresql":
        # The words' distinct lexemes, word for word and in each search language (through the
        # migration's factcheck_ts_config), as one OR of quote-weighted terms: computed once per
        # statement (an uncorrelated subquery). Two tsqueries joined by || held every lexeme twice,
        # and the engine rechecked and ranked every matching verdict against both: about five
        # times slower (docs/performance.md).
        text = " ".join(words)
        languages = settings.FACTCHECK_SEARCH_LANGUAGES
        vectors = " || ".join(
            ["to_tsvector('simple', %s)"] + ["to_tsvector(factcheck_ts_config(%s), %s)"] * len(languages)
        )
        params = [text] + [value for language in languages for value in (language, text)]
        # Function calls and placeholders only; the words and languages are parameters.
        query = (
            "(SELECT to_tsquery('simple', string_agg(DISTINCT quote_literal(lexeme) || ':A', ' | ')) "  # noqa: S608
            f"FROM unnest({vectors}) AS words(lexeme))"
        )
        vector = f"{model_table}.search_vector"
        # The table's name comes from the model's metadata; the words and languages are parameters.
        matches = RawSQL(f"{vector} @@ {query}", params, output_field=models.BooleanField())  # noqa: S611
        score = RawSQL(f"ts_rank({vector}, {query})", params, output_field=models.FloatField())  # noqa: S611
        return queryset.alias(similar_=matches).filter(similar_=True).annotate(search_score=score)
    fts = SEARCH_TABLES["verdict"].fts
    match = "quote : (" + " OR ".join(f'"{word}"' for word in words) + ")"
    # Joined, not asked per row: bm25 reads each word's document count from the index once per
    # cursor, and a correlated subquery per candidate made that quadratic in the matching rows
    # (about 0.3 s a claim with 2,000 verdicts sharing its words; bench/similar.py --noise 2000).
    # The table's name comes from SEARCH_TABLES, the model's from its metadata; the words are a parameter.
    return queryset.extra(  # noqa: S610
        select={"search_score": f"-bm25({fts}, 1.0, 0.0, 0.0, 0.0)"},
        tables=[fts],
        where=[f"{fts}.rowid = {model_table}.id", f"{fts} MATCH %s"],
        params=[match],
    )


# --- The desk dashboard's waits ------------------------------------------------------------------


@dataclass(frozen=True)
class WaitFigures:
    """Decisions counted, those of them returned, and their waits at the given percentiles."""

    decisions: int
    returned: int
    percentiles: dict[int, timedelta | None]  # nearest rank, by percent


def wait_figures(decisions: QuerySet, *, returned_action: str, percents: tuple[int, ...]) -> WaitFigures:
    """The count of `decisions` (rows of `action`, `at` and `submitted_at`, as the selector states
    them; rows without `submitted_at` left out), how many have `returned_action`, and the waits
    `at - submitted_at` at `percents` by nearest rank (the smallest wait that at least that share of
    them did not exceed), in one statement over the selector's compiled query, evaluated once
    (a materialized CTE).

    PostgreSQL ranks with percentile_disc. SQLite has no percentile: it sends the waits in
    microseconds as one JSON array, sorted and ranked here (SQLite's sort of them took about as long
    as the lookups). wait_figures_plain is the same over the ORM's rows, in Python."""
    inner, inner_params = decisions.query.sql_with_params()
    if connection.vendor == "postgresql":
        shares = ", ".join(str(percent / 100) for percent in percents)
        statement = (
            f"WITH decided AS MATERIALIZED ({inner}) "  # noqa: S608 (compiled SQL; values are parameters)
            "SELECT count(*), count(*) FILTER (WHERE action = %s), "
            f"percentile_disc(ARRAY[{shares}]::float8[]) WITHIN GROUP (ORDER BY at - submitted_at) "
            "FROM decided WHERE submitted_at IS NOT NULL"
        )
    else:
        statement = (
            f"WITH decided AS MATERIALIZED ({inner}) "  # noqa: S608 (compiled SQL; values are parameters)
            "SELECT count(*), count(*) FILTER (WHERE action = %s), "
            f"json_group_array({_sqlite_microseconds_between('at', 'submitted_at')}) "
            "FROM decided WHERE submitted_at IS NOT NULL"
        )
    with connection.cursor() as cursor:
        cursor.execute(statement, (*inner_params, returned_action))
        count, returned, waits = cursor.fetchone()
    if connection.vendor == "postgresql":
        picked = waits or [None] * len(percents)
    else:
        ordered = sorted(orjson.loads(waits))
        picked = [
            timedelta(microseconds=ordered[_nearest_rank(percent, count) - 1]) if count else None
            for percent in percents
        ]
    return WaitFigures(decisions=count, returned=returned, percentiles=dict(zip(percents, picked, strict=True)))


def _sqlite_microseconds_between(later: str, earlier: str) -> str:
    """`later - earlier` in exact integer microseconds, for timestamps as SQLite holds Django's
    (`2026-11-26 19:05:29.858547`, UTC, the fraction left out when zero): whole seconds by
    julianday() (exact to the millisecond, so rounded), then the fractions as integers."""
    return (
        f"(CAST(round((julianday(substr({later}, 1, 19)) - julianday(substr({earlier}, 1, 19))) * 86400) AS INTEGER)"
        f" * 1000000 + CAST(substr({later}, 21) AS INTEGER) - CAST(substr({earlier}, 21) AS INTEGER))"
    )


def _nearest_rank(percent: int, count: int) -> int:
    """ceil(percent / 100 · count), at least 1, in integers."""
    return max(1, -(-percent * count // 100))


def wait_figures_plain(decisions: QuerySet, *, returned_action: str, percents: tuple[int, ...]) -> WaitFigures:
    """What wait_figures computes, from the rows in Python: the path it is tested against."""
    rows = [
        (action, at - submitted)
        for action, at, submitted in decisions.values_list("action", "at", "submitted_at")
        if submitted
    ]
    waits = sorted(wait for _, wait in rows)
    return WaitFigures(
        decisions=len(rows),
        returned=sum(1 for action, _ in rows if action == returned_action),
        percentiles={percent: waits[_nearest_rank(percent, len(waits)) - 1] if waits else None for percent in percents},
    )
