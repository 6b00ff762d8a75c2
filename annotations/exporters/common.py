"""What every export reads: the articles and their verdicts as rows, fetched in chunks.

Which verdicts a viewer may export is `selectors.visibility_filter`; the rows and their links and
events come from the selectors the API uses too, and each format builds its JSON from records.py.
"""

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import batched

from django.db.models import Count, Q, QuerySet
import orjson

from .. import records, selectors
from ..models import Annotation, Article, ArticleVersion, Sentence

CHUNK_SIZE = 2000


@dataclass(frozen=True, slots=True)
class Selection:
    """Which annotations an export holds. `viewer=None` means every live verdict (the management
    command); `published` only approved ones (ClaimReview). `after_article`/`through_article`
    bound the article ids (exclusive/inclusive): one part of a parallel export (exporters.parallel).
    `snapshot_text`: the native export writes each cited source's latest snapshot with its text
    (`export_annotations --with-snapshots`), not only its metadata and hash."""

    viewer: object | None = None
    article_id: int | None = None
    state: str = ""
    status: str = ""
    after_article: int | None = None
    through_article: int | None = None
    published: bool = False
    snapshot_text: bool = False

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
        query = selectors.visibility_filter(self.viewer, published=self.published)
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


ARTICLE_FIELDS = ("id", "title", "url", "publisher", "published_at", "language", "body", "body_sha256")
ARTICLE_FIELDS += ("version", "corrected_at", "corrected_by__username")
VERSION_FIELDS = ("article_id", "number", "created_at", "created_by__username", "replaced_at", "body_sha256")
ARTICLE_BATCH = 200


@dataclass(slots=True)
class ArticleRows:
    """One article of an export: its fields, its sentence spans and its annotation rows (an iterator)."""

    article: dict
    spans: "SentenceSpans"
    rows: Iterator[dict]
    # The earlier versions (ArticleVersion rows as dicts of VERSION_FIELDS, plus "body" when read
    # with_bodies), oldest first.
    versions: list[dict]

    def version_created_at(self, number: int) -> datetime | None:
        """When version `number` of this article was stored; None for an article never corrected
        (its only version is its text)."""
        if number == self.article["version"]:
            return self.article["corrected_at"]
        return next(v["created_at"] for v in self.versions if v["number"] == number)


def article_stream(
    selection: Selection,
    *,
    with_sentences: bool = True,
    with_bodies: bool = False,
    with_archives: bool = False,
    with_claims: bool = False,
) -> Iterator[ArticleRows]:
    """Every selected article with its annotation rows, in id order.

    Articles are read in batches, with one query for a batch's sentences; the batch's annotations
    come from one streaming query (ordered by article, then text position) read in chunks, each
    chunk with one query for its source links and one for its events; the batch's earlier versions
    from one query (their bodies only `with_bodies`); `with_archives`, each chunk has one more
    query for its cited sources' archives; `with_claims`, one more for the published appearances
    of its verdicts' claims (selectors.published_appearances). The number of queries grows with the number of chunks,
    not of articles, annotations or sources; memory holds one batch and one chunk.
    """
    articles_query = articles(selection).values(*ARTICLE_FIELDS)
    batch: list[dict] = []
    for article in articles_query.iterator(chunk_size=ARTICLE_BATCH):
        batch.append(article)
        if len(batch) == ARTICLE_BATCH:
            yield from _batch(batch, selection, with_sentences, with_bodies, with_archives, with_claims)
            batch = []
    if batch:
        yield from _batch(batch, selection, with_sentences, with_bodies, with_archives, with_claims)


def _batch(
    batch: list[dict],
    selection: Selection,
    with_sentences: bool,
    with_bodies: bool,
    with_archives: bool,
    with_claims: bool = False,
) -> Iterator[ArticleRows]:
    ids = [article["id"] for article in batch]
    spans: dict[int, list] = {article_id: [] for article_id in ids}
    if with_sentences:
        sentences = Sentence.objects.filter(article_id__in=ids).order_by("article_id", "index")
        for article_id, index, start, end in sentences.values_list("article_id", "index", "start", "end"):
            spans[article_id].append((index, start, end))
    versions: dict[int, list[dict]] = {article_id: [] for article_id in ids}
    corrected = [article["id"] for article in batch if article["version"] > 1]
    if corrected:
        fields = (*VERSION_FIELDS, "body") if with_bodies else VERSION_FIELDS
        old = ArticleVersion.objects.filter(article_id__in=corrected).order_by("article_id", "number")
        for version in old.values(*fields):
            versions[version["article_id"]].append(version)
    rows = _peekable(annotation_rows(ids, selection, with_archives=with_archives, with_claims=with_claims))
    for article in batch:
        article_id = article["id"]
        yield ArticleRows(article, SentenceSpans(spans[article_id]), rows.take_while(article_id), versions[article_id])


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


def annotation_rows(
    article_ids: list[int], selection: Selection, *, with_archives: bool = False, with_claims: bool = False
) -> Iterator[dict]:
    """Verdict rows (selectors.verdict_rows) in text order, each with its `links` and `events`, and
    `with_archives` its `archives`: each cited source's records.source_archive() by URL, built once
    per chunk and shared by its rows (a source cited a thousand times is shaped once); `with_claims`
    its `appearances`: the articles of its claim's published appearances (none without a claim).

    The rows stream in chunks of CHUNK_SIZE; each chunk's source links and events are read with
    one query each, by annotation id, so the database reads them by index and memory holds one
    chunk, however many annotations are exported.
    """
    selected = Annotation.objects.filter(selection.annotation_filter(), article_id__in=article_ids)
    rows = selectors.verdict_rows(selected.order_by(*ROW_ORDER)).iterator(chunk_size=CHUNK_SIZE)
    for chunk in batched(rows, CHUNK_SIZE):
        ids = [row["id"] for row in chunk]
        links, events = selectors.source_links_by_annotation(ids), selectors.events_by_annotation(ids)
        archives = {}
        if with_archives and links:
            archived = selectors.source_archives_by_url(ids, with_text=selection.snapshot_text)
            archives = {url: records.source_archive(row) for url, row in archived.items()}
        appearances = {}
        claim_ids = list({row["claim_id"] for row in chunk if row["claim_id"] is not None})
        if with_claims and claim_ids:
            appearances = selectors.published_appearances(claim_ids, viewer=selection.viewer)
        for row in chunk:
            row["appearances"] = appearances.get(row["claim_id"], ())
            row["links"] = links.get(row["id"], ())
            row["events"] = events.get(row["id"], ())
            row["archives"] = archives
            yield row


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
