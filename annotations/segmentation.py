"""Text normalisation and sentence segmentation. Pure functions, no ORM.

Offsets are Unicode code points of the normalised body (Python string
indices), end exclusive. A paragraph is one line of the body; no sentence
crosses a line break.
"""

from dataclasses import dataclass
from functools import lru_cache
import unicodedata

import pysbd
from pysbd.languages import LANGUAGE_CODES

FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class SentenceSpan:
    index: int
    paragraph: int
    start: int
    end: int


def normalize_text(text: str) -> str:
    """Unicode NFC and `\\n` line endings; nothing else is changed."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


# Characters that show nothing: controls, format characters (bidi marks, zero-width spaces),
# separators, and combining marks with no base.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"})


def has_visible_text(text: str) -> bool:
    """Whether the text shows anything: an article of bidi marks and spaces is empty to a reader."""
    return any(unicodedata.category(character) not in INVISIBLE_CATEGORIES for character in text)


def segmenter_language(language: str) -> str:
    """The pysbd language used for an article language such as `ur` or `pt-BR`."""
    code = language.split("-")[0].lower()
    return code if code in LANGUAGE_CODES else FALLBACK_LANGUAGE


@lru_cache(maxsize=32)
def _segmenter(language: str) -> pysbd.Segmenter:
    return pysbd.Segmenter(language=language, clean=False)


def iter_paragraphs(body: str):
    """Yield (start, line) for every line of the body that holds text."""
    position = 0
    for line in body.split("\n"):
        if line.strip():
            yield position, line
        position += len(line) + 1


def split_sentences(body: str, language: str = "en") -> list[SentenceSpan]:
    """Split a normalised body into trimmed sentence spans.

    pysbd returns the sentence strings; their offsets are found by searching
    forward from the previous sentence, which is exact because pysbd with
    `clean=False` returns substrings of its input in order.
    """
    segmenter = _segmenter(segmenter_language(language))
    spans: list[SentenceSpan] = []
    for paragraph, (line_start, line) in enumerate(iter_paragraphs(body)):
        cursor = 0
        for piece in segmenter.segment(line):
            text = piece.strip()
            if not text:
                continue
            found = line.find(text, cursor)
            if found < 0:  # pragma: no cover - pysbd altered its input; keep the rest whole.
                found = cursor
                text = line[cursor:].strip()
            start = line_start + found
            spans.append(SentenceSpan(len(spans), paragraph, start, start + len(text)))
            cursor = found + len(text)
        rest = line[cursor:].strip()
        if rest:  # Text pysbd dropped (should not happen): keep it as a sentence.
            found = line.find(rest, cursor)
            start = line_start + found
            spans.append(SentenceSpan(len(spans), paragraph, start, start + len(rest)))
    return spans
