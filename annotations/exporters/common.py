"""What every export reads: the articles and their live annotations, fetched in chunks."""

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db.models import CharField, Func, Prefetch, Q, QuerySet
from django.db.models.functions import Cast
import orjson

from ..models import Annotation, AnnotationEvent, AnnotationSource, Article, Sentence
from ..selectors import visibility_filter

CHUNK_SIZE = 2000


@dataclass(frozen=True, slots=True)
class Selection:
    """Which annotations an export holds. `viewer=None` means everything (the management command)."""

    viewer: object | None = None
    article_id: int | None = None
    state: str = ""
    status: str = ""

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
    result = Article.objects.order_by("id")
    if selection.article_id:
        result = result.filter(pk=selection.article_id)
    return result


def annotation_count(selection: Selection) -> int:
    query = selection.annotation_filter()
    if selection.article_id:
        query &= Q(article_id=selection.article_id)
    return Annotation.objects.filter(query).count()


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


class IsoText(Func):
    """A timestamp as ISO 8601 text in UTC (`2026-11-26T19:05:29.858547Z`), built by the database:
    reading text skips Django's per-value conversion, the slowest part of a large export. Like
    `datetime.isoformat()`, zero microseconds are left out."""

    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra):
        # SQLite stores UTC as `2026-11-26 19:05:29.858547`.
        return self.as_sql(compiler, connection, template="(replace(%(expressions)s, ' ', 'T') || 'Z')", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        template = (
            "CASE WHEN %(expressions)s IS NULL THEN NULL ELSE "
            "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
            "CASE WHEN mod(extract(microseconds FROM %(expressions)s)::bigint, 1000000) = 0 THEN '' "
            "ELSE to_char(%(expressions)s AT TIME ZONE 'UTC', '.US') END || 'Z' END"
        )
        return self.as_sql(compiler, connection, template=template, **extra)


def _text(field: str) -> Cast:
    return Cast(field, output_field=CharField())


ROW_TIMES = {"created": IsoText("created_at"), "updated": IsoText("updated_at"), "reviewed": IsoText("reviewed_at")}
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
    """Plain rows (dicts, not model instances) with their `links` and `events`.

    Three streaming queries in the same order — annotations, their source links, their events —
    merged as they are read (no per-chunk id lists), so memory and work stay flat per row.
    """
    selected = Annotation.objects.filter(selection.annotation_filter(), article_id__in=article_ids)
    rows = selected.order_by(*ROW_ORDER).values(*ROW_FIELDS, **ROW_TIMES).iterator(chunk_size=CHUNK_SIZE)
    by_annotation = [f"annotation__{field}" for field in ROW_ORDER]
    links = _Runs(
        link_values(
            AnnotationSource.objects.filter(annotation__in=selected.values("id")).order_by(
                *by_annotation, "position", "id"
            )
        ).iterator(chunk_size=CHUNK_SIZE)
    )
    events = _Runs(
        AnnotationEvent.objects.filter(annotation__in=selected.values("id"))
        .annotate(at_text=IsoText("at"))
        .order_by(*by_annotation, "at", "id")
        .values_list(*EVENT_FIELDS)
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for row in rows:
        row["links"] = links.take(row["id"])
        row["events"] = events.take(row["id"])
        yield row


class _Runs:
    """Rows ordered like the annotations: take the run that belongs to one annotation."""

    def __init__(self, rows: Iterator[tuple]):
        self._rows = rows
        self._next = next(rows, None)

    def take(self, annotation_id: int) -> list[tuple]:
        run = []
        while self._next is not None and self._next[0] == annotation_id:
            run.append(self._next)
            self._next = next(self._rows, None)
        return run


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
