"""Reads shared by pages, API and exports, with their query planning."""

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from .models import Article, Sentence


@dataclass(slots=True)
class Piece:
    """A run of body text: a sentence, or the gap between sentences."""

    start: int
    end: int
    text: str
    sentence: Sentence | None = None


@dataclass(slots=True)
class Paragraph:
    index: int
    start: int
    end: int
    pieces: list[Piece] = field(default_factory=list)


def article_list(*, search: str = "") -> QuerySet[Article]:
    """Articles, newest first, with their sentence count; filtered by title words."""
    articles = Article.objects.defer("body").annotate(sentence_count=Count("sentences"))
    for word in search.split():
        articles = articles.filter(title__icontains=word)
    return articles.order_by("-imported_at", "-id")


def article_paragraphs(*, article: Article) -> list[Paragraph]:
    """The body as paragraphs of sentence and gap pieces, in one query."""
    body = article.body
    paragraphs: dict[int, Paragraph] = {}
    sentences = Sentence.objects.filter(article=article).order_by("index")
    for sentence in sentences:
        sentence.article = article
        paragraph = paragraphs.get(sentence.paragraph)
        if paragraph is None:
            line_start = body.rfind("\n", 0, sentence.start) + 1
            line_end = body.find("\n", sentence.start)
            line_end = len(body) if line_end < 0 else line_end
            paragraph = paragraphs[sentence.paragraph] = Paragraph(sentence.paragraph, line_start, line_end)
            paragraph.pieces.append(Piece(line_start, line_start, ""))
        previous_end = paragraph.pieces[-1].end
        if sentence.start > previous_end:
            paragraph.pieces.append(Piece(previous_end, sentence.start, body[previous_end : sentence.start]))
        paragraph.pieces.append(Piece(sentence.start, sentence.end, body[sentence.start : sentence.end], sentence))
    for paragraph in paragraphs.values():
        paragraph.pieces = [piece for piece in paragraph.pieces if piece.text]
        last_end = paragraph.pieces[-1].end if paragraph.pieces else paragraph.start
        if paragraph.end > last_end:
            paragraph.pieces.append(Piece(last_end, paragraph.end, body[last_end : paragraph.end]))
    return list(paragraphs.values())
