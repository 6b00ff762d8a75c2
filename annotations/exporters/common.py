"""What every export reads: the articles and their live annotations, fetched in chunks."""

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
import json

from django.db.models import Prefetch, Q, QuerySet

from ..models import Annotation, AnnotationEvent, AnnotationSource, Article, Sentence
from ..selectors import visibility_filter

CHUNK_SIZE = 1000


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


ROW_FIELDS = (
    "id",
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
    "created_at",
    "updated_at",
    "reviewed_by__username",
    "reviewed_at",
    "review_comment",
)
LINK_FIELDS = (
    "annotation_id",
    "source__url",
    "source__title",
    "source__publisher",
    "source__published_at",
    "source__archive_url",
    "relation",
    "pinpoint",
)
EVENT_FIELDS = (
    "annotation_id",
    "action",
    "actor__username",
    "at",
    "from_state",
    "to_state",
    "from_status",
    "to_status",
    "comment",
)


def annotation_rows(article: Article, selection: Selection) -> Iterator[dict]:
    """Plain rows for the bulk formats: each annotation as a dict with its `links` and `events`.

    Reads values, not model instances, in chunks: one query for a chunk's annotations (a streaming
    cursor), one for their source links and one for their events.
    """
    rows = (
        Annotation.objects.filter(selection.annotation_filter(), article=article)
        .order_by("start", "end", "id")
        .values(*ROW_FIELDS)
        .iterator(chunk_size=CHUNK_SIZE)
    )
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK_SIZE:
            yield from _with_related(chunk)
            chunk = []
    if chunk:
        yield from _with_related(chunk)


def _with_related(chunk: list[dict]) -> list[dict]:
    ids = [row["id"] for row in chunk]
    by_id = {row["id"]: row for row in chunk}
    for row in chunk:
        row["links"], row["events"] = [], []
    links = (
        AnnotationSource.objects.filter(annotation_id__in=ids)
        .order_by("annotation_id", "position", "id")
        .values_list(*LINK_FIELDS)
    )
    for link in links:
        by_id[link[0]]["links"].append(link)
    events = (
        AnnotationEvent.objects.filter(annotation_id__in=ids)
        .order_by("annotation_id", "at", "id")
        .values_list(*EVENT_FIELDS)
    )
    for event in events:
        by_id[event[0]]["events"].append(event)
    return chunk


def sentence_spans(article: Article) -> "SentenceSpans":
    return SentenceSpans(
        Sentence.objects.filter(article=article).order_by("index").values_list("index", "start", "end")
    )


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


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def username(user) -> str | None:
    return user.get_username() if user is not None else None
