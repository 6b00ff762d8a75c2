"""The annotation list (GET /api/v1/annotations/): its two statements, and the page they make.

A page holds up to 500 verdicts, so the list is the API's largest read, and it must give exactly
what AnnotationSerializer gives for each verdict (tests/test_api.py checks it on both databases).
Its SQL is written here from the models' metadata, each text built once per process: building
and compiling the same statement as a queryset on every request (visibility, filters, the
cursor) cost a sixth of a listing. Identifiers come from the models; every value is a parameter.

On SQLite the database writes each verdict's JSON: SQLite runs inside this process and does it in
C, so Python never handles the fields, and the renderer copies the bytes in (orjson.Fragment).
PostgreSQL is slower at building JSON than Python is (its json functions cost more server time
than they save here), so there the rows are tuples turned into dicts.
"""

from collections import namedtuple
from dataclasses import dataclass, replace
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
import orjson

from .. import services
from ..exporters.common import SQLITE_ISO_TEXT, ids_in_sql, ids_parameter
from ..models import Annotation, AnnotationSource, Source, State

# A row of the page: on PostgreSQL its fields, on SQLite the id and the verdict's JSON (bytes).
# Named tuples, because DRF's cursor pagination reads the `id` of a page's last row.
Row = namedtuple(
    "Row",
    "id article start end quote prefix suffix status claimant denied_by note state version "
    "author editor review_comment created updated reviewed",
)
Document = namedtuple("Document", "id document")

# The conditions a page can have, each with its placeholders; `author` is the author's username.
CONDITIONS = {
    "visible": "({state} <> %s OR {author_id} = %s)",
    "article": "{article} = %s",
    "status": "{status} = %s",
    "state": "{state} = %s",
    "author": "{author} = %s",
    "below": "{id} < %s",
    "above": "{id} > %s",
}
BOUNDS = {"id__lt": "below", "id__gt": "above"}


@dataclass(frozen=True, slots=True)
class AnnotationRows:
    """The live verdicts a viewer may see, filtered, newest first, read the way DRF's
    CursorPagination reads a queryset ordered by id: `order_by("-id")` or `order_by("id")`,
    `filter(id__lt=…)` or `filter(id__gt=…)`, then a slice, which runs one statement.

    `conditions` are CONDITIONS names, each with its parameters: the statement's text depends on
    the names alone, so it is built once per combination, and the values follow in that order.
    """

    conditions: tuple[tuple[str, tuple], ...]
    descending: bool = True

    @classmethod
    def visible_to(
        cls, viewer, *, article: int | None = None, status: str = "", state: str = "", author: str = ""
    ) -> "AnnotationRows":
        """What selectors.visible_annotations(viewer=…) holds (drafts only for their author and for
        editors; never the deleted), with the API's filters; empty filters do not filter."""
        conditions = [] if services.user_is_editor(viewer) else [("visible", (State.DRAFT.value, viewer.pk))]
        given = {"article": article, "status": status, "state": state, "author": author}
        conditions += [(name, (value,)) for name, value in given.items() if value not in (None, "")]
        return cls(tuple(conditions))

    def order_by(self, *ordering: str) -> "AnnotationRows":
        if ordering not in (("-id",), ("id",)):
            raise ValueError(f"The annotation list is ordered by id, not by {ordering}.")
        return replace(self, descending=ordering == ("-id",))

    def filter(self, **bound: str | int) -> "AnnotationRows":
        ((lookup, value),) = bound.items()
        return replace(self, conditions=(*self.conditions, (BOUNDS[lookup], (int(value),))))

    def __getitem__(self, window: slice) -> list[Row] | list[Document]:
        vendor = connection.vendor
        names = tuple(name for name, _ in self.conditions)
        values = [value for _, parameters in self.conditions for value in parameters]
        limit, offset = window.stop - window.start, window.start
        with connection.cursor() as cursor:
            cursor.execute(_page_sql(vendor, names, self.descending), [*values, limit, offset])
            rows = cursor.fetchall()
        row = Document if vendor == "sqlite" else Row
        return [row._make(fields) for fields in rows]


def _columns(model, alias: str) -> dict[str, str]:
    quote = connection.ops.quote_name
    return {field.name: f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields}


@cache
def _page_sql(vendor: str, conditions: tuple[str, ...], descending: bool) -> str:
    """A page of annotations with these CONDITIONS, then LIMIT and OFFSET placeholders."""
    quote = connection.ops.quote_name
    user = get_user_model()
    users = quote(user._meta.db_table)
    username, user_pk = quote(user._meta.get_field("username").column), quote(user._meta.pk.column)
    # Every queryset of annotations selects from the table under its own name: so does this, so
    # that _sqlite_annotation_json() can refer to it.
    a = _columns(Annotation, quote(Annotation._meta.db_table))
    names = a | {"author_id": a["author"], "author": f"au.{username}"}
    where = [f"{a['deleted_at']} IS NULL", *(CONDITIONS[name].format(**names) for name in conditions)]
    joins = f"INNER JOIN {users} au ON au.{user_pk} = {a['author']}"
    if vendor == "sqlite":
        selected = f"{a['id']}, {_sqlite_annotation_json()}"
    else:
        plain = ("id", "article", "start", "end", "quote", "prefix", "suffix")
        plain += ("status", "claimant", "denied_by", "note", "state", "version")
        # Timestamps as UTC wall-clock `timestamp` values (no time zone): psycopg reads those in C,
        # where Django's loader for `timestamptz` runs in Python for each value. The renderer
        # writes them as DRF does (OPT_NAIVE_UTC, OPT_UTC_Z).
        utc = [f"({a[name]} AT TIME ZONE 'UTC')" for name in ("created_at", "updated_at", "reviewed_at")]
        people = [f"au.{username}", f"ed.{username}", a["review_comment"]]
        selected = ", ".join([*(a[name] for name in plain), *people, *utc])
        joins += f" LEFT OUTER JOIN {users} ed ON ed.{user_pk} = {a['reviewed_by']}"
    order = "DESC" if descending else "ASC"
    return (
        f"SELECT {selected} FROM {quote(Annotation._meta.db_table)} {joins} "  # noqa: S608 (identifiers only)
        f"WHERE {' AND '.join(where)} ORDER BY {a['id']} {order} LIMIT %s OFFSET %s"
    )


def _json_object(fields: dict[str, str]) -> str:
    return "json_object(" + ", ".join(f"'{name}', {sql}" for name, sql in fields.items()) + ")"


def _json_object_bytes(fields: dict[str, str]) -> str:
    """SQLite's documents are read as UTF-8 bytes (CAST AS BLOB): no decoding, and no encoding
    again to render. Timestamps are written as IsoText writes them (SQLITE_ISO_TEXT)."""
    return f"CAST({_json_object(fields)} AS BLOB)"


@cache
def _sqlite_annotation_json() -> str:
    """An annotation as AnnotationSerializer shows it, without "sources": an expression on the
    annotation table, selected from under the table's name."""
    quote = connection.ops.quote_name
    user = get_user_model()
    a = _columns(Annotation, quote(Annotation._meta.db_table))
    users = quote(user._meta.db_table)
    username, user_pk = quote(user._meta.get_field("username").column), quote(user._meta.pk.column)

    def name_of(user_id: str) -> str:
        return f"(SELECT u.{username} FROM {users} u WHERE u.{user_pk} = {user_id})"  # noqa: S608 (identifiers only)

    review = {
        "editor": name_of(a["reviewed_by"]),
        "decided_at": SQLITE_ISO_TEXT.format(a["reviewed_at"]),
        "comment": a["review_comment"],
    }
    plain = ("id", "article", "start", "end", "quote", "prefix", "suffix", "status", "claimant", "denied_by", "note")
    return _json_object_bytes(
        {name: a[name] for name in plain}
        | {
            "state": a["state"],
            "version": a["version"],
            "author": name_of(a["author"]),
            "created_at": SQLITE_ISO_TEXT.format(a["created_at"]),
            "updated_at": SQLITE_ISO_TEXT.format(a["updated_at"]),
            "review": f"CASE WHEN {a['reviewed_by']} IS NULL THEN NULL ELSE {_json_object(review)} END",
        }
    )


@cache
def _sources_sql(vendor: str) -> str:
    """(annotation id, source) for the annotations whose ids are the one parameter (ids_parameter),
    each annotation's sources in their order. The source is its JSON on SQLite, and on PostgreSQL
    the url, title, publisher, published_at as text, archive_url, relation and pinpoint."""
    quote = connection.ops.quote_name
    link, source = _columns(AnnotationSource, "l"), _columns(Source, "s")
    if vendor == "sqlite":
        document = {name: source[name] for name in ("url", "title", "publisher", "published_at", "archive_url")}
        selected = _json_object_bytes(document | {"relation": link["relation"], "pinpoint": link["pinpoint"]})
    else:
        selected = (
            f"{source['url']}, {source['title']}, {source['publisher']}, {source['published_at']}::text, "
            f"{source['archive_url']}, {link['relation']}, {link['pinpoint']}"
        )
    # Sorted by annotation first: the links come from the index on annotation nearly in that order,
    # so sorting them is almost free (PostgreSQL, 1,000 links: 0.5 ms, against 1.9 ms by position).
    return (
        f"SELECT {link['annotation']}, {selected} "  # noqa: S608 (identifiers only)
        f"FROM {quote(AnnotationSource._meta.db_table)} l "
        f"INNER JOIN {quote(Source._meta.db_table)} s ON {source['id']} = {link['source']} "
        f"WHERE {ids_in_sql(link['annotation'], vendor)} "
        f"ORDER BY {link['annotation']}, {link['position']}, {link['id']}"
    )


def annotation_list_data(rows: list[Row] | list[Document]) -> list[dict] | list[orjson.Fragment]:
    """What AnnotationSerializer gives for these rows of AnnotationRows, in their order, with one
    more query for their sources: a page of hundreds stays cheap."""
    if not rows:
        return []
    ids = [row.id for row in rows]
    vendor = connection.vendor
    sql, parameters = _sources_sql(vendor), [ids_parameter(ids, vendor)]
    if vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(sql, parameters)
            links = cursor.fetchall()
        documents: dict[int, list[bytes]] = {pk: [] for pk in ids}
        for annotation_id, document in links:
            documents[annotation_id].append(document)
        # A document is a JSON object, so its text ends with "}": "sources" goes in just before it.
        return [
            orjson.Fragment(b'%s,"sources":[%s]}' % (document[:-1], b",".join(documents[pk]))) for pk, document in rows
        ]
    # Pipeline mode: execute() sends the statement without waiting for its answer, so PostgreSQL
    # reads the sources while Python makes the verdicts' dicts (in process: -0.8 ms of a listing).
    sources: dict[int, list[dict]] = {pk: [] for pk in ids}
    with connection.cursor() as cursor, connection.connection.pipeline():
        cursor.execute(sql, parameters)
        page = _dicts(rows, sources)
        links = cursor.fetchall()
    for annotation_id, url, title, publisher, published, archive_url, relation, pinpoint in links:
        sources[annotation_id].append(
            {
                "url": url,
                "title": title,
                "publisher": publisher,
                "published_at": published,
                "archive_url": archive_url,
                "relation": relation,
                "pinpoint": pinpoint,
            }
        )
    return page


def _dicts(rows: list[Row], sources: dict[int, list[dict]]) -> list[dict]:
    """The verdicts' dicts, each with its (still empty) list from `sources` under "sources"."""
    return [
        {
            "id": pk,
            "article": article_id,
            "start": start,
            "end": end,
            "quote": quote,
            "prefix": prefix,
            "suffix": suffix,
            "status": status,
            "claimant": claimant,
            "denied_by": denied_by,
            "note": note,
            "state": state,
            "version": version,
            "author": author,
            "created_at": created,
            "updated_at": updated,
            "review": {"editor": editor, "decided_at": reviewed, "comment": comment} if editor else None,
            "sources": sources[pk],
        }
        for (
            pk,
            article_id,
            start,
            end,
            quote,
            prefix,
            suffix,
            status,
            claimant,
            denied_by,
            note,
            state,
            version,
            author,
            editor,
            comment,
            created,
            updated,
            reviewed,
        ) in rows
    ]
