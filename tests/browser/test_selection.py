"""Selection trust in Chromium: after a drag the text shows exactly what will be saved, and a drag that
overshoots its paragraph is clamped to it, while a drag into another paragraph still explains itself."""

from playwright.sync_api import Locator, Page, expect

from annotations.models import Annotation
from tests.browser.test_annotate import (
    CHAR_POINT,
    EMOJI_BODY,
    ONE_PARAGRAPH_HINT,
    RECORD_SELECTION,
    choose_status,
    drag_select,
    expect_editor_for,
    only_annotation,
    open_article,
    save_verdict,
)
from tests.factories import ArticleFactory

# The text of the reader's phrase highlight (CSS Custom Highlight API), or None when there is none.
HIGHLIGHTED = """
() => {
  const highlight = CSS.highlights.get("verdict-phrase");
  return highlight ? [...highlight].map((range) => range.toString()).join("|") : null;
}
"""


def drag_from_char_to_point(page: Page, start: tuple[Locator, str, int], x: float, y: float) -> str:
    """Drag from inside a character to a viewport point anywhere (margin, side panel); return what the
    browser selected before reader.js took over."""
    start[0].scroll_into_view_if_needed()
    page.evaluate(RECORD_SELECTION)
    x0, y0 = start[0].evaluate(CHAR_POINT, [start[1], start[2], 0.25])
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x, y, steps=12)
    page.mouse.up()
    page.wait_for_function("() => window.__selectedText !== undefined")
    return page.evaluate("window.__selectedText")


def last_line_middle(paragraph: Locator) -> float:
    """The viewport height of the middle of a paragraph's last line."""
    return paragraph.evaluate(
        """(p) => {
          const range = document.createRange();
          range.selectNodeContents(p);
          const lines = range.getClientRects();
          return lines[lines.length - 1].top + lines[lines.length - 1].height / 2;
        }"""
    )


def scroll_to_top(element: Locator) -> None:
    element.evaluate("(e) => e.scrollIntoView({ block: 'start' })")


def test_after_a_drag_the_exact_phrase_to_be_saved_is_highlighted(
    page: Page, live_server, login, console_errors, reviewer, seed_article
):
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    phrase = "complaint was filed on Wednesday in the US District Court"
    sentence = page.locator('#article-body .sentence[data-index="5"]')

    selected = drag_select(page, (sentence, phrase, 2), (sentence, phrase, len(phrase) - 3))
    assert selected == "mplaint was filed on Wednesday in the US District Cou"

    start = seed_article.body.index(phrase)
    expect_editor_for(page, start=start, end=start + len(phrase), quote=phrase)
    # The snapped phrase is highlighted, not the browser's raw selection and not the whole sentence.
    assert page.evaluate(HIGHLIGHTED) == phrase
    assert page.evaluate("() => window.getSelection().toString()") == ""
    expect(page.locator("#article-body .sentence.is-selected")).to_have_count(0)

    choose_status(page, "unverified")
    assert page.evaluate(HIGHLIGHTED) == phrase  # the focus in the panel does not take it away
    save_verdict(page)
    annotation = only_annotation(seed_article)
    assert (annotation.start, annotation.end, annotation.quote) == (start, start + len(phrase), phrase)
    assert page.evaluate(HIGHLIGHTED) is None  # the mark shows it now

    # A click selects a whole sentence: the sentence is highlighted, and no phrase.
    page.locator('#article-body .sentence[data-index="6"]').click()
    expect(page.locator('#article-body .sentence[data-index="6"]')).to_contain_class("is-selected")
    assert page.evaluate(HIGHLIGHTED) is None
    assert console_errors == []


def test_the_highlight_after_emoji_covers_the_same_code_points_as_the_quote(
    page: Page, live_server, login, console_errors, reviewer
):
    article = ArticleFactory(title="Emoji before the claim", body=EMOJI_BODY)
    login(page, live_server, reviewer)
    open_article(page, live_server, article)
    paragraph = page.locator("#para-0")
    # From inside "court" to inside "Wednesday", across the 🏛️ (a surrogate pair and a variation selector).
    drag_select(page, (paragraph, "court 🏛️ ruled", 2), (paragraph, "Wednesday,", 4))
    phrase = "court 🏛️ ruled on Wednesday"
    expect_editor_for(page, start=EMOJI_BODY.index(phrase), end=EMOJI_BODY.index(phrase) + len(phrase), quote=phrase)
    assert page.evaluate(HIGHLIGHTED) == phrase
    assert console_errors == []


def test_a_drag_past_the_paragraphs_end_into_the_side_panel_is_clamped_to_the_paragraph(
    page: Page, live_server, login, console_errors, reviewer, seed_article
):
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    paragraph = page.locator("#para-2")
    paragraph_end = int(paragraph.get_attribute("data-end"))
    start = seed_article.body.index("complaint was filed")
    quote = seed_article.body[start:paragraph_end]
    assert quote.endswith("Santa Ana, California.")

    # From inside "complaint" to the verdict panel, level with the paragraph's last line.
    scroll_to_top(paragraph)
    panel = page.locator("aside.panel").bounding_box()
    drag_from_char_to_point(
        page, (paragraph, "complaint was filed", 3), panel["x"] + panel["width"] / 2, last_line_middle(paragraph)
    )

    expect_editor_for(page, start=start, end=paragraph_end, quote=quote)
    expect(page.locator("#selection-hint")).to_be_hidden()
    assert page.evaluate(HIGHLIGHTED) == quote
    choose_status(page, "alleged")
    save_verdict(page)
    annotation = only_annotation(seed_article)
    assert (annotation.start, annotation.end, annotation.quote) == (start, paragraph_end, quote)
    assert console_errors == []


def test_a_drag_into_the_margin_below_the_paragraph_is_clamped_and_one_across_paragraphs_explains_itself(
    page: Page, live_server, login, console_errors, reviewer, seed_article
):
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    paragraph = page.locator("#para-3")
    paragraph_end = int(paragraph.get_attribute("data-end"))
    start = seed_article.body.index("company claims")  # the drag starts inside "company"
    hint = page.locator("#selection-hint")
    scroll_to_top(paragraph)
    box = paragraph.bounding_box()

    # Into the blank page margin right of the text column, just below the paragraph's last line.
    drag_from_char_to_point(
        page, (paragraph, "The company claims", 5), box["x"] + box["width"] + 40, box["y"] + box["height"] + 4
    )
    expect_editor_for(page, start=start, end=paragraph_end, quote=seed_article.body[start:paragraph_end])
    expect(hint).to_be_hidden()

    # Over the next paragraph's lines and on into the side panel: that crosses a paragraph.
    page.locator(".editor-close").first.click()
    scroll_to_top(paragraph)
    below = page.locator("#para-4").bounding_box()
    panel = page.locator("aside.panel").bounding_box()
    drag_from_char_to_point(
        page, (paragraph, "The company claims", 5), panel["x"] + panel["width"] / 2, below["y"] + below["height"] / 2
    )
    expect(hint).to_have_text(ONE_PARAGRAPH_HINT)
    expect(page.locator("#verdict-form")).to_have_count(0)
    assert page.evaluate(HIGHLIGHTED) is None
    assert Annotation.objects.count() == 0
    assert console_errors == []
