import pytest

from annotations.anchoring import (
    EXACT,
    FUZZY,
    ORPHANED,
    SpanError,
    anchor_span,
    code_points_to_utf16,
    reanchor,
    utf16_to_code_points,
)

from .reanchoring_corpus import CASES

BODY = "Launch 🚀 day. The court ruled on Wednesday.\nSecond paragraph here."


def test_anchor_returns_quote_with_32_code_points_of_context():
    body = "x" * 40 + "CLAIM" + "y" * 40
    anchor = anchor_span(body, start=40, end=45, quote="CLAIM")
    assert (anchor.quote, anchor.prefix, anchor.suffix) == ("CLAIM", "x" * 32, "y" * 32)


def test_anchor_context_is_shorter_at_the_edges():
    anchor = anchor_span(BODY, start=0, end=6, quote="Launch")
    assert anchor.prefix == ""
    assert anchor.suffix == BODY[6:38]


def test_emoji_before_the_span_counts_as_one_code_point():
    start = BODY.index("The court")
    assert start == 14
    anchor = anchor_span(BODY, start=14, end=23, quote="The court")
    assert anchor.prefix == "Launch 🚀 day. "


@pytest.mark.parametrize(
    ("start", "end", "quote", "message"),
    [
        (-1, 3, "Lau", "The selection -1–3 is outside the article (0–66)."),
        (5, 5, "", "The selection 5–5 is outside the article (0–66)."),
        (60, 99, "x", "The selection 60–99 is outside the article (0–66)."),
        (
            15,
            24,
            "The court",
            "The selected text does not match the article at 15–24: expected “he court ”, got “The court”. "
            "Reload the page and select again.",
        ),
        (38, 48, "sday.\nSeco", "A selection must stay within one paragraph."),
        (13, 14, " ", "The selection holds only whitespace."),
    ],
)
def test_bad_spans_are_refused_with_a_clear_message(start, end, quote, message):
    with pytest.raises(SpanError) as raised:
        anchor_span(BODY, start=start, end=end, quote=quote)
    assert str(raised.value) == message


def test_utf16_conversion_round_trips():
    text = "a🚀b𝒳c"
    assert [code_points_to_utf16(text, i) for i in range(6)] == [0, 1, 3, 4, 6, 7]
    assert [utf16_to_code_points(text, u) for u in [0, 1, 3, 4, 6, 7]] == [0, 1, 2, 3, 4, 5]


# --- Re-anchoring: the corpus (tests/reanchoring_corpus.py) through the pure engine ----------------

FLOOR = 0.7  # the default of FACTCHECK_REANCHOR_FLOOR (test_scores_of_the_corpus_bracket_the_default_floor)


def _old_anchor(case, verdict):
    start = -1
    for _ in range(verdict.occurrence + 1):
        start = case.old.index(verdict.quote, start + 1)
    return anchor_span(case.old, start=start, end=start + len(verdict.quote), quote=verdict.quote)


@pytest.mark.parametrize(
    ("case", "verdict"),
    [(case, verdict) for case in CASES for verdict in case.verdicts],
    ids=[f"{case.name}: {verdict.quote[:30]}" for case in CASES for verdict in case.verdicts],
)
def test_corpus_outcome_and_text(case, verdict):
    old = _old_anchor(case, verdict)
    found = reanchor(case.new, quote=old.quote, prefix=old.prefix, suffix=old.suffix, floor=FLOOR)
    assert found.outcome == verdict.outcome, found
    if verdict.new_quote is None:
        assert found.anchor is None
        return
    # Attached to the right text: the expected quote, at the occurrence the old one was.
    assert case.new[found.anchor.start : found.anchor.end] == found.anchor.quote == verdict.new_quote
    expected_start = -1
    occurrence = verdict.occurrence if verdict.new_occurrence is None else verdict.new_occurrence
    for _ in range(occurrence + 1):
        expected_start = case.new.index(verdict.new_quote, expected_start + 1)
    assert found.anchor.start == expected_start
    if verdict.outcome == EXACT:
        assert found.score == 1.0
    else:
        assert FLOOR <= found.score < 1.0


def test_emoji_before_the_quote_moves_it_by_code_points():
    case = next(case for case in CASES if case.name == "emoji added before the quote")
    old = _old_anchor(case, case.verdicts[0])
    found = reanchor(case.new, quote=old.quote, prefix=old.prefix, suffix=old.suffix, floor=FLOOR)
    assert (old.start, found.anchor.start) == (10, 12)  # " 🚨" is two code points (three UTF-16 units)


def test_scores_of_the_corpus_bracket_the_default_floor(settings):
    """The default floor sits between the lowest fuzzy score and the highest orphan score."""
    fuzzy, orphans = [], []
    for case in CASES:
        for verdict in case.verdicts:
            old = _old_anchor(case, verdict)
            found = reanchor(case.new, quote=old.quote, prefix=old.prefix, suffix=old.suffix, floor=0.0)
            if verdict.outcome == FUZZY:
                fuzzy.append(found.score)
            elif verdict.outcome == ORPHANED and found.anchor is not None and "\n" not in found.anchor.quote:
                orphans.append(found.score)
    assert max(orphans) < settings.FACTCHECK_REANCHOR_FLOOR == FLOOR <= min(fuzzy), (orphans, fuzzy)


def test_reanchor_never_guesses_between_equal_places():
    body = "He said: yes it is. Then: yes it is. End."
    found = reanchor(body, quote="yes it was", prefix="", suffix="", floor=0.5)
    assert (found.outcome, found.anchor) == (ORPHANED, None)
