"""Spans of text: validation, W3C TextQuoteSelector context, UTF-16 conversion. Pure, no ORM.

Offsets are code points of the stored body (Python indices), end exclusive.
Browsers count UTF-16 code units; the page's JavaScript converts before it
sends, and the server checks the quote again here.
"""

from dataclasses import dataclass

CONTEXT_LENGTH = 32


class SpanError(ValueError):
    """A span that does not fit the body; the message is shown to the user."""


@dataclass(frozen=True, slots=True)
class Anchor:
    start: int
    end: int
    quote: str
    prefix: str
    suffix: str


def anchor_span(body: str, *, start: int, end: int, quote: str) -> Anchor:
    """Check a submitted span against the body and return it with its context.

    Rules: `0 <= start < end <= len(body)`, the span stays within one paragraph
    (no line break inside), and `quote == body[start:end]`.
    """
    if not (0 <= start < end <= len(body)):
        raise SpanError(f"The selection {start}–{end} is outside the article (0–{len(body)}).")
    actual = body[start:end]
    if quote != actual:
        raise SpanError(
            f"The selected text does not match the article at {start}–{end}: "
            f"expected “{_preview(actual)}”, got “{_preview(quote)}”. Reload the page and select again."
        )
    if "\n" in actual:
        raise SpanError("A selection must stay within one paragraph.")
    if not actual.strip():
        raise SpanError("The selection holds only whitespace.")
    return Anchor(
        start=start,
        end=end,
        quote=actual,
        prefix=body[max(0, start - CONTEXT_LENGTH) : start],
        suffix=body[end : end + CONTEXT_LENGTH],
    )


def _preview(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def utf16_to_code_points(text: str, utf16_offset: int) -> int:
    """The code point index in `text` of a UTF-16 offset (as a browser counts)."""
    units = 0
    for index, char in enumerate(text):
        if units >= utf16_offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text)


def code_points_to_utf16(text: str, offset: int) -> int:
    """The UTF-16 offset of code point `offset` in `text`."""
    return sum(2 if ord(char) > 0xFFFF else 1 for char in text[:offset])
