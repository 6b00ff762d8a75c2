"""Spans of text: validation, W3C TextQuoteSelector context, UTF-16 conversion. Pure, no ORM.

Offsets are code points of the stored body (Python indices), end exclusive.
Browsers count UTF-16 code units; the page's JavaScript converts before it
sends, and the server checks the quote again here.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

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
        raise SpanError(
            _("The selection %(start)s–%(end)s is outside the article (0–%(length)s).")
            % {"start": start, "end": end, "length": len(body)}
        )
    actual = body[start:end]
    if quote != actual:
        raise SpanError(
            _(
                "The selected text does not match the article at %(start)s–%(end)s: "
                "expected “%(expected)s”, got “%(got)s”. Reload the page and select again."
            )
            % {"start": start, "end": end, "expected": _preview(actual), "got": _preview(quote)}
        )
    if "\n" in actual:
        raise SpanError(_("A selection must stay within one paragraph."))
    if not actual.strip():
        raise SpanError(_("The selection holds only whitespace."))
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


# --- Re-anchoring on a new version of the body ------------------------------------------------------

EXACT, FUZZY, ORPHANED = "exact", "fuzzy", "orphaned"
# Two candidate places whose scores are this close (0–100) cannot be told apart: the verdict is
# orphaned rather than attached to one of them by chance.
AMBIGUITY_MARGIN = 2.0
# A fuzzy score weighs the quote three times as much as its context: the claim is the quote, and a
# neighbouring sentence rewritten must not orphan a verdict whose own words barely changed.
QUOTE_WEIGHT = 0.75


@dataclass(frozen=True, slots=True)
class Reanchored:
    """Where a verdict's quote is in a new body: `anchor` is None for an orphan (nowhere good enough).
    `score` is 1.0 for exact; for fuzzy and orphans, the similarity (0–1) of quote and context
    (QUOTE_WEIGHT) at the best place found (0.0 when none was found)."""

    outcome: str
    score: float
    anchor: Anchor | None
    reason: str = ""  # why an orphan is one, in words


def reanchor(body: str, *, quote: str, prefix: str, suffix: str, floor: float) -> Reanchored:
    """Find a quote (with its W3C prefix and suffix) in a new body.

    - exact: the quote occurs once; or several times and exactly one occurrence has the same prefix
      and suffix.
    - fuzzy: otherwise the best approximate place of prefix + quote + suffix (rapidfuzz), its
      bounds mapped through an edit alignment and snapped to whole words, when the similarity of
      quote and context (weighted QUOTE_WEIGHT) is at least `floor`, the span stays in one
      paragraph, and no second place scores about as well (that would be a guess).
    - orphaned: anything else. Pure; offsets are code points.
    """
    found = _exact(body, quote, prefix, suffix)
    if found is not None:
        return Reanchored(EXACT, 1.0, _anchor(body, found, found + len(quote)))
    return _fuzzy(body, quote, prefix, suffix, floor)


def _exact(body: str, quote: str, prefix: str, suffix: str) -> int | None:
    starts = []
    at = body.find(quote)
    while at >= 0:
        starts.append(at)
        at = body.find(quote, at + 1)
    if len(starts) == 1:
        return starts[0]
    in_context = [
        s for s in starts if body[max(0, s - len(prefix)) : s] == prefix and body.startswith(suffix, s + len(quote))
    ]
    return in_context[0] if len(in_context) == 1 else None


def _fuzzy(body: str, quote: str, prefix: str, suffix: str, floor: float) -> Reanchored:
    from rapidfuzz import fuzz

    pattern = prefix + quote + suffix
    best = fuzz.partial_ratio_alignment(pattern, body)
    if best is None or best.score == 0:
        return Reanchored(ORPHANED, 0.0, None, "Nothing in the new text resembles the quote.")
    span = _mapped_span(body, pattern, len(prefix), len(prefix) + len(quote), best.dest_start, best.dest_end)
    if span is None:
        return Reanchored(ORPHANED, 0.0, None, "The quoted text was deleted.")
    anchor = _anchor(body, *span)
    quote_score = fuzz.ratio(quote, anchor.quote)
    context_score = fuzz.ratio(prefix + suffix, anchor.prefix + anchor.suffix) if prefix + suffix else quote_score
    score = round((QUOTE_WEIGHT * quote_score + (1 - QUOTE_WEIGHT) * context_score) / 100, 3)
    if score < floor:
        return Reanchored(
            ORPHANED, score, None, f"The closest text scores {score:.2f}, below the floor of {floor:.2f}."
        )
    if "\n" in anchor.quote:
        return Reanchored(ORPHANED, score, None, "The closest text now runs across paragraphs.")
    masked = body[: best.dest_start] + "\0" * (best.dest_end - best.dest_start) + body[best.dest_end :]
    rival = fuzz.partial_ratio_alignment(pattern, masked, score_cutoff=max(0.0, best.score - AMBIGUITY_MARGIN))
    if rival is not None and rival.score > 0:
        return Reanchored(ORPHANED, score, None, "Two places match about as well; neither is chosen.")
    return Reanchored(FUZZY, score, anchor)


def _mapped_span(body: str, pattern: str, start: int, end: int, window_start: int, window_end: int):
    """The span of `body` that pattern[start:end] aligns with, near the window found for the pattern,
    widened to whole words; None when every character of it was deleted."""
    from rapidfuzz.distance import Levenshtein

    margin = CONTEXT_LENGTH + len(pattern) // 4
    left = max(0, window_start - margin)
    region = body[left : min(len(body), window_end + margin)]
    mapped: list[int] = []  # region index of each character of pattern[start:end] still there
    for tag, src_start, src_end, dest_start, dest_end in Levenshtein.opcodes(pattern, region):
        if tag in ("equal", "replace"):
            for i in range(max(src_start, start), min(src_end, end)):
                mapped.append(min(dest_start + i - src_start, dest_end - 1))
    if not mapped:
        return None
    new_start, new_end = left + mapped[0], left + mapped[-1] + 1
    while new_start > 0 and body[new_start - 1].isalnum() and body[new_start].isalnum():
        new_start -= 1
    while new_end < len(body) and body[new_end - 1].isalnum() and body[new_end].isalnum():
        new_end += 1
    while new_start < new_end and body[new_start].isspace():
        new_start += 1
    while new_end > new_start and body[new_end - 1].isspace():
        new_end -= 1
    return (new_start, new_end) if new_start < new_end else None


def _anchor(body: str, start: int, end: int) -> Anchor:
    return Anchor(
        start=start,
        end=end,
        quote=body[start:end],
        prefix=body[max(0, start - CONTEXT_LENGTH) : start],
        suffix=body[end : end + CONTEXT_LENGTH],
    )


def same_words(old: str, new: str) -> bool:
    """Whether two quotes say the same once whitespace is ignored (a re-flowed line is not a new claim)."""
    return old.split() == new.split()


def locate(body: str, passage: str) -> Anchor:
    """The one place of a passage someone typed or pasted in `body` (the orphan queue's re-selection).

    Rules: surrounding whitespace is ignored; the passage must occur exactly once, and obey
    anchor_span's rules (one paragraph). Raises SpanError saying what to do otherwise.
    """
    passage = passage.strip()
    if not passage:
        raise SpanError(_("Paste the passage from the current version."))
    start = body.find(passage)
    if start < 0:
        raise SpanError(_("This passage is not in the current version: copy it from the article exactly."))
    if body.find(passage, start + 1) >= 0:
        raise SpanError(_("This passage occurs more than once in the current version: add words around it."))
    return anchor_span(body, start=start, end=start + len(passage), quote=passage)
