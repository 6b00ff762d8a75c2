"""Reads shared by pages, API and exports, with their query planning."""

from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet, prefetch_related_objects

from . import services
from .models import Annotation, AnnotationEvent, AnnotationSource, Article, Sentence, Source, State, Status


@dataclass(slots=True)
class Segment:
    """A run of text covered by the same annotations (outermost first)."""

    start: int
    end: int
    text: str
    annotations: list[Annotation] = field(default_factory=list)


@dataclass(slots=True)
class Piece:
    """A sentence, or the gap between sentences, split into segments."""

    start: int
    end: int
    text: str
    sentence: Sentence | None = None
    segments: list[Segment] = field(default_factory=list)


@dataclass(slots=True)
class Paragraph:
    index: int
    start: int
    end: int
    pieces: list[Piece] = field(default_factory=list)


BIGINT_MAX = 2**63 - 1


@cache
def _article_by_id_sql() -> tuple[str, list[str]]:
    """`Article.objects.get(pk=…)` compiled by the ORM once per process, with the columns' names."""
    names = [field.attname for field in Article._meta.concrete_fields]
    sql, _ = Article.objects.filter(pk=0).order_by().values_list(*names).query.sql_with_params()
    return sql, names


def article_by_id(pk: int) -> Article | None:
    """The article with this id, or None; as the ORM loads it, at less than half the cost.

    Every verdict created through the API names its article: compiling the same lookup again
    for each request cost more than running it.
    """
    if not 0 < pk <= BIGINT_MAX:
        return None
    sql, names = _article_by_id_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    return None if row is None else Article.from_db(connection.alias, names, row)


def visibility_filter(viewer, prefix: str = "") -> Q:
    """Live verdicts the viewer may see: drafts only by their author and editors.

    The API list states the same rule in SQL (api/listing.AnnotationRows.visible_to): change both."""
    live = Q(**{f"{prefix}deleted_at__isnull": True})
    if services.user_is_editor(viewer):
        return live
    return live & (~Q(**{f"{prefix}state": State.DRAFT}) | Q(**{f"{prefix}author_id": viewer.pk}))


def visible_annotations(*, viewer) -> QuerySet[Annotation]:
    return Annotation.objects.filter(visibility_filter(viewer))


def article_list(*, viewer, search: str = "", review: str = "") -> QuerySet[Article]:
    """Articles, newest first, with sentence and verdict counts as this viewer
    may see them; filtered by title words and review progress (complete/open)."""
    seen = visibility_filter(viewer, prefix="annotations__")
    counts = {
        f"{choice.value}_count": Count("annotations", filter=seen & Q(annotations__status=choice), distinct=True)
        for choice in Status
    } | {
        f"{choice.value}_state_count": Count("annotations", filter=seen & Q(annotations__state=choice), distinct=True)
        for choice in State
    }
    articles = Article.objects.defer("body").annotate(
        sentence_count=Count("sentences", distinct=True),
        annotation_count=Count("annotations", filter=seen, distinct=True),
        unreviewed_count=Count("annotations", filter=seen & ~Q(annotations__state=State.APPROVED), distinct=True),
        **counts,
    )
    for word in search.split():
        articles = articles.filter(title__icontains=word)
    if review == "complete":
        articles = articles.filter(annotation_count__gt=0, unreviewed_count=0)
    elif review == "open":
        articles = articles.filter(Q(annotation_count=0) | Q(unreviewed_count__gt=0))
    return articles.order_by("-imported_at", "-id")


def _with_sources(annotations: QuerySet[Annotation]) -> QuerySet[Annotation]:
    links = AnnotationSource.objects.select_related("source").order_by("position", "id")
    return annotations.select_related("author", "reviewed_by").prefetch_related(
        Prefetch("source_links", queryset=links)
    )


def article_annotations(*, article: Article, viewer) -> list[Annotation]:
    """The verdicts of an article this viewer may see, in text order, with their people (1 query).

    Enough for the marks and the counts; `card_window()` adds the sources of the cards shown."""
    annotations = (
        visible_annotations(viewer=viewer)
        .filter(article=article)
        .select_related("author", "reviewed_by")
        .order_by("start", "-end", "id")
    )
    result = list(annotations)
    for annotation in result:
        annotation.article = article
    return result


CARDS_PER_PAGE = 25


@dataclass(slots=True)
class CardWindow:
    cards: list[Annotation]
    total: int
    next_offset: int | None


def card_window(annotations: list[Annotation], *, offset: int = 0, upto: int | None = None) -> CardWindow:
    """A page of verdict cards in text order from `offset`, with their sources (1 query).

    With `upto` (an annotation id), the window runs on to the page that holds that card."""
    end = offset + CARDS_PER_PAGE
    if upto is not None:
        position = next((i for i, a in enumerate(annotations) if a.pk == upto), None)
        if position is not None and position >= end:
            end = (position // CARDS_PER_PAGE + 1) * CARDS_PER_PAGE
    cards = annotations[offset:end]
    links = AnnotationSource.objects.select_related("source").order_by("position", "id")
    prefetch_related_objects(cards, Prefetch("source_links", queryset=links))
    return CardWindow(cards=cards, total=len(annotations), next_offset=end if end < len(annotations) else None)


def deleted_annotations(*, article: Article) -> list[Annotation]:
    return list(
        Annotation.objects.filter(article=article, deleted_at__isnull=False)
        .select_related("author", "deleted_by")
        .order_by("-deleted_at")
    )


def state_counts(annotations: list[Annotation]) -> list[dict]:
    counts = {state: 0 for state in State}
    for annotation in annotations:
        counts[State(annotation.state)] += 1
    return [{"value": state.value, "label": state.label, "count": count} for state, count in counts.items()]


def review_queue(*, article_id: int | None = None, status: str = "", author_id: int | None = None):
    """Submitted verdicts across all articles, oldest submission first, with sources."""
    queue = _with_sources(
        Annotation.objects.filter(state=State.SUBMITTED, deleted_at__isnull=True).select_related("article")
    )
    if article_id:
        queue = queue.filter(article_id=article_id)
    if status in Status.values:
        queue = queue.filter(status=status)
    if author_id:
        queue = queue.filter(author_id=author_id)
    return queue.order_by("submitted_at", "id")


def waiting_count() -> int:
    return Annotation.objects.filter(state=State.SUBMITTED, deleted_at__isnull=True).count()


def with_sentence_context(annotations: list[Annotation]) -> list[Annotation]:
    """Set `context_before`/`context_after`: the rest of the sentences around each quote (one query)."""
    article_ids = {a.article_id for a in annotations}
    spans: dict[int, list[tuple[int, int]]] = {}
    for article_id, start, end in Sentence.objects.filter(article_id__in=article_ids).values_list(
        "article_id", "start", "end"
    ):
        spans.setdefault(article_id, []).append((start, end))
    for annotation in annotations:
        around = [
            (s, e) for s, e in spans.get(annotation.article_id, []) if s < annotation.end and e > annotation.start
        ]
        first = min((s for s, _ in around), default=annotation.start)
        last = max((e for _, e in around), default=annotation.end)
        body = annotation.article.body
        annotation.context_before = body[first : annotation.start]
        annotation.context_after = body[annotation.end : last]
    return annotations


def my_annotations(*, user) -> dict[str, list[Annotation]]:
    """A reviewer's live verdicts grouped by state, most recently changed first."""
    groups: dict[str, list[Annotation]] = {state.value: [] for state in State}
    mine = _with_sources(
        Annotation.objects.filter(author=user, deleted_at__isnull=True).select_related("article").defer("article__body")
    ).order_by("-updated_at", "-id")
    for annotation in mine:
        groups[annotation.state].append(annotation)
    return groups


def annotation_history(*, annotation: Annotation) -> list[AnnotationEvent]:
    return list(annotation.events.select_related("actor").order_by("at", "id"))


def status_counts(annotations: list[Annotation]) -> list[dict]:
    counts = {status: 0 for status in Status}
    for annotation in annotations:
        counts[Status(annotation.status)] += 1
    return [{"value": status.value, "label": status.label, "count": count} for status, count in counts.items()]


def article_paragraphs(
    *, article: Article, annotations: list[Annotation] | None = None, only: set[int] | None = None
) -> list[Paragraph]:
    """The body as paragraphs of sentence and gap pieces, each split into segments
    at every annotation boundary (one query for the sentences).

    `only` limits the result to those paragraph indexes (for partial updates).
    """
    body = article.body
    annotations = annotations or []
    paragraphs: dict[int, Paragraph] = {}
    sentences = Sentence.objects.filter(article=article).order_by("index")
    if only is not None:
        sentences = sentences.filter(paragraph__in=only)
    for sentence in sentences:
        sentence.article = article
        paragraph = paragraphs.get(sentence.paragraph)
        if paragraph is None:
            line_start = body.rfind("\n", 0, sentence.start) + 1
            line_end = body.find("\n", sentence.start)
            line_end = len(body) if line_end < 0 else line_end
            paragraph = paragraphs[sentence.paragraph] = Paragraph(sentence.paragraph, line_start, line_end)
        previous_end = paragraph.pieces[-1].end if paragraph.pieces else paragraph.start
        if sentence.start > previous_end:
            paragraph.pieces.append(Piece(previous_end, sentence.start, body[previous_end : sentence.start]))
        paragraph.pieces.append(Piece(sentence.start, sentence.end, body[sentence.start : sentence.end], sentence))
    for paragraph in paragraphs.values():
        last_end = paragraph.pieces[-1].end if paragraph.pieces else paragraph.start
        if paragraph.end > last_end:
            paragraph.pieces.append(Piece(last_end, paragraph.end, body[last_end : paragraph.end]))
        covering = [a for a in annotations if a.start < paragraph.end and a.end > paragraph.start]
        for piece in paragraph.pieces:
            piece.segments = _segments(body, piece.start, piece.end, covering)
    return list(paragraphs.values())


def _segments(body: str, start: int, end: int, annotations: list[Annotation]) -> list[Segment]:
    inside = [a for a in annotations if a.start < end and a.end > start]
    cuts = sorted(
        {start, end}
        | {a.start for a in inside if start < a.start < end}
        | {a.end for a in inside if start < a.end < end}
    )
    segments = []
    for left, right in pairwise(cuts):
        covering = [a for a in inside if a.start <= left and a.end >= right]
        segments.append(Segment(left, right, body[left:right], covering))
    return segments


def paragraph_indexes_for(article: Article, *annotations: Annotation) -> set[int]:
    """The paragraphs an annotation touches (one query)."""
    spans = [(a.start, a.end) for a in annotations]
    query = Q()
    for start, end in spans:
        query |= Q(start__lt=end, end__gt=start)
    if not spans:
        return set()
    return set(Sentence.objects.filter(query, article=article).values_list("paragraph", flat=True))


def claimant_suggestions(*, viewer, limit: int = 30) -> list[str]:
    """Claimants named before in verdicts the viewer may see, most used first, for the form's suggestions."""
    rows = (
        visible_annotations(viewer=viewer)
        .exclude(claimant="")
        .values("claimant")
        .annotate(uses=Count("id"))
        .order_by("-uses", "claimant")[:limit]
    )
    return [row["claimant"] for row in rows]


def source_search(*, query: str, limit: int = 8) -> list[Source]:
    """Sources whose title, publisher or URL contains every word of the query."""
    sources = Source.objects.all()
    words = query.split()
    if not words:
        return []
    for word in words:
        sources = sources.filter(Q(title__icontains=word) | Q(url__icontains=word) | Q(publisher__icontains=word))
    return list(sources.order_by("title", "id")[:limit])
