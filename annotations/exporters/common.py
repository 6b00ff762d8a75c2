"""What every export reads: the articles and their live annotations, fetched in chunks."""

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import batched

from django.db import connection, connections
from django.db.models import CharField, Count, F, Func, Lookup, Prefetch, Q, QuerySet
from django.db.models.functions import Cast
import orjson

from ..models import Annotation, AnnotationEvent, AnnotationSource, Article, Sentence, Source
from ..selectors import visibility_filter

CHUNK_SIZE = 2000
# Whether _read_ahead may use a worker thread (exporters.parallel turns it off in its processes).
READ_AHEAD: ContextVar[bool] = ContextVar("export_read_ahead", default=True)


@dataclass(frozen=True, slots=True)
class Selection:
    """Which annotations an export holds. `viewer=None` means everything (the management command).
    `after_article`/`through_article` bound the article ids (exclusive/inclusive): one part of a
    parallel export (exporters.parallel)."""

    viewer: object | None = None
    article_id: int | None = None
    state: str = ""
    status: str = ""
    after_article: int | None = None
    through_article: int | None = None

    def article_filter(self, field: str = "id") -> Q:
        query = Q()
        if self.article_id:
            query &= Q((field, self.article_id))
        if self.after_article is not None:
            query &= Q((f"{field}__gt", self.after_article))
        if self.through_article is not None:
            query &= Q((f"{field}__lte", self.through_article))
        return query

    def annotation_filter(self) -> Q:
        query = Q(deleted_at__isnull=True)
        if self.viewer is not None:
            query &= visibility_filter(self.viewer)
        if self.state:
            query &= Q(state=self.state)
        if self.status:
            query &= Q(status=self.status)
        return query


def articles(selection: Selection) -> QuerySet[Article]:
    return Article.objects.filter(selection.article_filter()).order_by("id")


def annotation_count(selection: Selection) -> int:
    return Annotation.objects.filter(selection.annotation_filter(), selection.article_filter("article_id")).count()


def annotation_counts(selection: Selection) -> list[tuple[int, int]]:
    """(article id, number of selected annotations) for the articles that have any, in id order."""
    selected = Annotation.objects.filter(selection.annotation_filter(), selection.article_filter("article_id"))
    return list(selected.values_list("article_id").annotate(count=Count("id")).order_by("article_id"))


def article_annotations(article: Article, selection: Selection) -> Iterator[Annotation]:
    """The article's annotations in text order, in chunks with their related rows prefetched per chunk."""
    links = AnnotationSource.objects.select_related("source").order_by("position", "id")
    events = AnnotationEvent.objects.select_related("actor").order_by("at", "id")
    annotations = (
        Annotation.objects.filter(selection.annotation_filter(), article=article)
        .select_related("author", "reviewed_by")
        .prefetch_related(Prefetch("source_links", queryset=links), Prefetch("events", queryset=events))
        .order_by("start", "end", "id")
    )
    for annotation in annotations.iterator(chunk_size=CHUNK_SIZE):
        annotation.article = article
        yield annotation


ARTICLE_FIELDS = ("id", "title", "url", "publisher", "published_at", "language", "body", "body_sha256")
ARTICLE_BATCH = 200
ROW_FIELDS = (
    "id",
    "article_id",
    "start",
    "end",
    "quote",
    "prefix",
    "suffix",
    "status",
    "claimant",
    "denied_by",
    "note",
    "state",
    "version",
    "author__username",
    "reviewed_by__username",
    "review_comment",
)


# SQLite stores UTC as `2026-11-26 19:05:29.858547`: as ISO 8601 text, a T and a Z.
SQLITE_ISO_TEXT = "(replace({}, ' ', 'T') || 'Z')"


class IsoText(Func):
    """A timestamp as ISO 8601 text in UTC (`2026-11-26T19:05:29.858547Z`), built by the database:
    reading text skips Django's per-value conversion, the slowest part of a large export. Like
    `datetime.isoformat()`, zero microseconds are left out."""

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
    SQLite's json_each) rather than one placeholder per id, which Django prepares one by one."""

    lookup_name = "ids_in"
    prepare_rhs = False

    def __init__(self, column: str, ids: list[int]):
        super().__init__(F(column), [int(value) for value in ids])

    def get_prep_lookup(self):
        return self.rhs

    def as_sqlite(self, compiler, connection):
        column, params = self.process_lhs(compiler, connection)
        return ids_in_sql(column, connection.vendor), (*params, ids_parameter(self.rhs, connection.vendor))

    as_postgresql = as_sqlite


def ids_in_sql(column: str, vendor: str) -> str:
    """SQL for `column IN ids`, with one placeholder for ids_parameter()."""
    if vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])"
    return f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608 (a compiled column; values are parameters)


def ids_parameter(ids: list[int], vendor: str) -> str:
    """The ids as one parameter: a PostgreSQL array literal (adapting a list of thousands of ints
    would cost more than the query), or a JSON array for SQLite's json_each."""
    if vendor == "postgresql":
        return "{" + ",".join(map(str, ids)) + "}"
    return orjson.dumps(ids).decode()


def _text(field: str) -> Cast:
    return Cast(field, output_field=CharField())


ROW_TIMES = {"created": IsoText("created_at"), "updated": IsoText("updated_at"), "reviewed": IsoText("reviewed_at")}
SOURCE_FIELDS = ("id", "url", "title", "publisher", "published", "archive_url")
LINK_FIELDS = (
    "annotation_id",
    "source__url",
    "source__title",
    "source__publisher",
    "published",
    "source__archive_url",
    "relation",
    "pinpoint",
)
EVENT_FIELDS = (
    "annotation_id",
    "action",
    "actor__username",
    "at_text",
    "from_state",
    "to_state",
    "from_status",
    "to_status",
    "comment",
)


def link_values(links: QuerySet) -> QuerySet:
    """Source links as LINK_FIELDS tuples, the publication date as text."""
    return links.annotate(published=_text("source__published_at")).values_list(*LINK_FIELDS)


def source_record(link: tuple) -> dict:
    """A LINK_FIELDS tuple as it appears in the native export and the API."""
    _annotation_id, url, title, publisher, published_at, archive_url, relation, pinpoint = link
    return {
        "url": url,
        "title": title,
        "publisher": publisher,
        "published_at": published_at,
        "archive_url": archive_url,
        "relation": relation,
        "pinpoint": pinpoint,
    }


def review_record(row: dict) -> dict | None:
    """The latest editor decision of a ROW_FIELDS row, or None."""
    if not row["reviewed_by__username"]:
        return None
    return {"editor": row["reviewed_by__username"], "decided_at": row["reviewed"], "comment": row["review_comment"]}


@dataclass(slots=True)
class ArticleRows:
    """One article of an export: its fields, its sentence spans and its annotation rows (an iterator)."""

    article: dict
    spans: "SentenceSpans"
    rows: Iterator[dict]


def article_stream(selection: Selection, *, with_sentences: bool = True) -> Iterator[ArticleRows]:
    """Every selected article with its annotation rows, in id order.

    Articles are read in batches, with one query for a batch's sentences; the batch's annotations
    come from one streaming query (ordered by article, then text position) read in chunks, each
    chunk with one query for its source links and one for its events. The number of queries grows
    with the number of chunks, not of articles or annotations; memory holds one batch and one chunk.
    """
    articles_query = articles(selection).values(*ARTICLE_FIELDS)
    batch: list[dict] = []
    for article in articles_query.iterator(chunk_size=ARTICLE_BATCH):
        batch.append(article)
        if len(batch) == ARTICLE_BATCH:
            yield from _batch(batch, selection, with_sentences)
            batch = []
    if batch:
        yield from _batch(batch, selection, with_sentences)


def _batch(batch: list[dict], selection: Selection, with_sentences: bool) -> Iterator[ArticleRows]:
    ids = [article["id"] for article in batch]
    spans: dict[int, list] = {article_id: [] for article_id in ids}
    if with_sentences:
        sentences = Sentence.objects.filter(article_id__in=ids).order_by("article_id", "index")
        for article_id, index, start, end in sentences.values_list("article_id", "index", "start", "end"):
            spans[article_id].append((index, start, end))
    rows = _peekable(annotation_rows(ids, selection))
    for article in batch:
        yield ArticleRows(article, SentenceSpans(spans[article["id"]]), rows.take_while(article["id"]))


class _peekable:
    """Annotation rows ordered by article: hand out each article's run in turn."""

    def __init__(self, rows: Iterator[dict]):
        self._rows = rows
        self._next = next(rows, None)

    def take_while(self, article_id: int) -> Iterator[dict]:
        while self._next is not None and self._next["article_id"] == article_id:
            row = self._next
            self._next = next(self._rows, None)
            yield row


ROW_ORDER = ("article_id", "start", "end", "id")


def annotation_rows(article_ids: list[int], selection: Selection) -> Iterator[dict]:
    """Plain rows (dicts, not model instances) in text order, each with its `links` and `events`.

    The rows stream in chunks of CHUNK_SIZE; each chunk's source links and events are read with
    one query each, by annotation id (IdsIn: the chunk's ids as one parameter), so the database
    reads them by index and memory holds two chunks, however many annotations are exported.
    The next chunk's links and events are read while this one is written (see _read_ahead).
    """
    selected = Annotation.objects.filter(selection.annotation_filter(), article_id__in=article_ids)
    rows = selected.order_by(*ROW_ORDER).values(*ROW_FIELDS, **ROW_TIMES).iterator(chunk_size=CHUNK_SIZE)
    for chunk, (links, events) in _read_ahead(batched(rows, CHUNK_SIZE), _links_and_events):
        for row in chunk:
            row["links"] = links.get(row["id"], ())
            row["events"] = events.get(row["id"], ())
            yield row


def _links_and_events(chunk: tuple[dict, ...]) -> tuple[dict[int, list[tuple]], dict[int, list[tuple]]]:
    """The chunk's source links as LINK_FIELDS tuples and its events as EVENT_FIELDS tuples, by annotation.

    Links are read with their source's id and each source once per chunk (a few hundred documents
    are cited by thousands of links): the database joins less and Python builds far fewer strings.
    """
    ids = [row["id"] for row in chunk]
    links = AnnotationSource.objects.filter(IdsIn("annotation_id", ids)).order_by("position", "id")
    links = _by_annotation(links.values_list("annotation_id", "source_id", "relation", "pinpoint"))
    cited = {link[1] for group in links.values() for link in group}
    sources = Source.objects.filter(IdsIn("id", cited)).annotate(published=_text("published_at"))
    documents = {row[0]: row[1:] for row in _fetchall(sources.values_list(*SOURCE_FIELDS))}
    for annotation_id, group in links.items():
        # Sources are never deleted while linked (PROTECT); a link read just before a concurrent
        # change whose source is gone by now is left out rather than failing the export.
        links[annotation_id] = [
            (annotation_id, *documents[source_id], relation, pinpoint)
            for _id, source_id, relation, pinpoint in group
            if source_id in documents
        ]
    # The (annotation, at) index gives this order without a sort.
    events = (
        AnnotationEvent.objects.filter(IdsIn("annotation_id", ids))
        .annotate(at_text=IsoText("at"))
        .order_by("annotation_id", "at", "id")
        .values_list(*EVENT_FIELDS)
    )
    return links, _by_annotation(events)


def _read_ahead[T, R](chunks: Iterator[T], read: Callable[[T], R]) -> Iterator[tuple[T, R]]:
    """(chunk, read(chunk)) pairs, with read() of the next chunk running in a worker thread while
    the caller handles the current one: the database works while Python writes JSON.

    The worker has its own database connection, closed when the stream ends or is abandoned.
    Only on PostgreSQL, whose server does the reading in its own process: SQLite reads inside
    this process and mostly under the GIL, where a second thread only adds contention. Inside a
    transaction (a test, ATOMIC_REQUESTS) another connection would not see the same rows, so
    there everything is read in this thread too; and not when READ_AHEAD is off (a parallel
    export, whose processes already keep every core busy).
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block or not READ_AHEAD.get():
        for chunk in chunks:
            yield chunk, read(chunk)
        return
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-read-ahead")
    try:
        pending = None
        for chunk in chunks:
            future = worker.submit(read, chunk)
            if pending is not None:
                yield pending[0], pending[1].result()
            pending = (chunk, future)
        if pending is not None:
            yield pending[0], pending[1].result()
    finally:
        worker.submit(connections.close_all)
        worker.shutdown(wait=True)


def _by_annotation(rows: QuerySet) -> dict[int, list[tuple]]:
    """Tuples whose first value is an annotation id, grouped by it, each group in the rows' order.
    (Links are not ordered by annotation in SQL: SQLite would then scan a whole index in order.)"""
    grouped: defaultdict[int, list[tuple]] = defaultdict(list)
    for row in _fetchall(rows):
        grouped[row[0]].append(row)
    return grouped


def _fetchall(rows: QuerySet) -> list[tuple]:
    """A values_list() of ints and text (no column needs a converter) read with one fetchall():
    a chunk's rows are a few thousand, and Django's iteration in pieces of a hundred costs more."""
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def sentence_indexes(spans: list[tuple[int, int, int]], start: int, end: int) -> list[int]:
    """Indexes of the sentences a span touches; `spans` are in text order, so bisect on their ends."""
    ends = [e for _i, _s, e in spans] if not hasattr(spans, "ends") else spans.ends
    first = bisect_right(ends, start)
    result = []
    for index, s, _e in spans[first:]:
        if s >= end:
            break
        result.append(index)
    return result


class SentenceSpans(list):
    """Sentence (index, start, end) rows with their ends precomputed for bisect."""

    def __init__(self, rows):
        super().__init__(rows)
        self.ends = [e for _i, _s, e in self]


def timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def dumps(value) -> bytes:
    """Compact UTF-8 JSON: every export is built from these bytes (orjson: about ten times the
    standard library's speed, the same text for the str, int, list, dict and None written here)."""
    return orjson.dumps(value)
