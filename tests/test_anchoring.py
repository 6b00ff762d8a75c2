import pytest

from annotations.anchoring import SpanError, anchor_span, code_points_to_utf16, utf16_to_code_points

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
