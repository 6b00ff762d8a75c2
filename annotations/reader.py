"""The reader's layout: an article body as paragraphs of sentence and gap pieces, each split into
segments at every verdict boundary. Pure: the sentences and verdicts come in as arguments.

`rendering.piece_html()` turns a piece into nested `<mark>` elements.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise

from django.utils.translation import gettext as _

from .models import Annotation, Sentence


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


def layout(body: str, sentences: Iterable[Sentence], annotations: list[Annotation]) -> list[Paragraph]:
    """Paragraphs of the given sentences (in text order), with gaps, marked by `annotations`."""
    paragraphs: dict[int, Paragraph] = {}
    for sentence in sentences:
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


def span_place(sentences: Iterable[tuple[int, int, int]], start: int, end: int) -> str:
    """Where a span is, in the words the reader page uses: "Sentence 12" (exactly one sentence),
    "In sentence 12" (a phrase inside it), "Sentences 12–13" (across them). `sentences` are the
    (index, start, end) of the sentences it overlaps; numbers count from 1, as on the page."""
    numbers = sorted(index + 1 for index, _start, _end in sentences)
    if not numbers:
        return ""
    if len(numbers) > 1:
        return _("Sentences %(first)s–%(last)s") % {"first": numbers[0], "last": numbers[-1]}
    (_index, first, last), *_rest = sentences
    if (first, last) == (start, end):
        return _("Sentence %(number)s") % {"number": numbers[0]}
    return _("In sentence %(number)s") % {"number": numbers[0]}
