"""Reads shared by pages, API and exports, with their query planning."""

from dataclasses import dataclass, field
from itertools import pairwise

from django.db.models import Count, Prefetch, Q, QuerySet

from .models import Annotation, AnnotationSource, Article, Sentence, Source, Status


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


def article_list(*, search: str = "") -> QuerySet[Article]:
    """Articles, newest first, with sentence and verdict counts; filtered by title words."""
    live = Q(annotations__deleted_at__isnull=True)
    counts = {
        f"{status.value}_count": Count("annotations", filter=live & Q(annotations__status=status), distinct=True)
        for status in Status
    }
    articles = Article.objects.defer("body").annotate(
        sentence_count=Count("sentences", distinct=True),
        annotation_count=Count("annotations", filter=live, distinct=True),
        # Every verdict is unreviewed until the editor workflow approves it.
        unreviewed_count=Count("annotations", filter=live, distinct=True),
        **counts,
    )
    for word in search.split():
        articles = articles.filter(title__icontains=word)
    return articles.order_by("-imported_at", "-id")


def article_annotations(*, article: Article) -> list[Annotation]:
    """The live verdicts of an article in text order, with authors and sources (3 queries)."""
    links = AnnotationSource.objects.select_related("source").order_by("position", "id")
    annotations = (
        Annotation.objects.filter(article=article, deleted_at__isnull=True)
        .select_related("author")
        .prefetch_related(Prefetch("source_links", queryset=links))
        .order_by("start", "-end", "id")
    )
    result = list(annotations)
    for annotation in result:
        annotation.article = article
    return result


def deleted_annotations(*, article: Article) -> list[Annotation]:
    return list(
        Annotation.objects.filter(article=article, deleted_at__isnull=False)
        .select_related("author", "deleted_by")
        .order_by("-deleted_at")
    )


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


def claimant_suggestions(*, limit: int = 30) -> list[str]:
    """Claimants named before, most used first, for the form's suggestions."""
    rows = (
        Annotation.objects.exclude(claimant="")
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
