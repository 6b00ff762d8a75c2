"""Marks in Chromium without colour: each status's own underline, keyboard focus in text order, Enter and
Space open the card, a focus ring that stands out, and a second verdict on a marked sentence by click."""

from playwright.sync_api import Page, expect

from annotations import services
from annotations.models import Annotation
from tests.browser.test_annotate import choose_status, expect_editor_for, marks, open_article, save_verdict
from tests.conftest import sentence_span

STATUSES = ["alleged", "denied", "unverified", "evidenced"]

# A mark's underline and first-fragment icon, as the browser draws them.
MARK_STYLE = """
(mark) => {
  const style = getComputedStyle(mark);
  return {
    line: style.borderBottomStyle,
    width: style.borderBottomWidth,
    icon: mark.classList.contains("mark-first") ? getComputedStyle(mark, "::before").content : null,
  };
}
"""

# WCAG 2 contrast ratio of two computed `rgb(r, g, b)` colours.
CONTRAST = """
([a, b]) => {
  const luminance = (colour) => {
    const [r, g, b] = colour.match(/[\\d.]+/g).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
"""


def one_of_each_status(article, author, supporting_source) -> dict[str, Annotation]:
    """Verdicts of the four statuses on sentences 4, 6, 7 and 9; the evidenced one crosses into sentence 10
    (same paragraph), so that its marks come in fragments: sentence, gap, next sentence."""
    made = {}
    for index, status in zip((4, 6, 7, 9), STATUSES, strict=True):
        span = sentence_span(article, index)
        extra = {}
        if status == "denied":
            extra = {"denied_by": "Huawei"}
        if status == "evidenced":
            end = sentence_span(article, 10)["end"]
            span = {"start": span["start"], "end": end, "quote": article.body[span["start"] : end]}
            extra = {"sources": [services.SourceLink(source=supporting_source, relation="supports")]}
        made[status] = services.annotation_create(article=article, author=author, status=status, **span, **extra)
    return made


def test_the_four_statuses_differ_without_colour_on_every_fragment(
    page: Page, live_server, login, console_errors, reviewer, seed_article, bbc_source
):
    made = one_of_each_status(seed_article, reviewer, bbc_source)
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)

    styles = {
        status: marks(page, annotation).evaluate_all(f"marks => marks.map({MARK_STYLE})")
        for status, annotation in made.items()
    }
    assert len(styles["evidenced"]) == 3  # the crossing verdict's three fragments
    lines = {}
    for status, fragments in styles.items():
        # Every fragment of a verdict carries its status's underline; the first one also its icon.
        assert {(f["line"], f["width"]) for f in fragments} == {(fragments[0]["line"], fragments[0]["width"])}, status
        assert [f["icon"] for f in fragments][1:] == [None] * (len(fragments) - 1)
        lines[status] = fragments[0]["line"]
    assert lines == {"alleged": "dashed", "denied": "double", "unverified": "dotted", "evidenced": "solid"}
    icons = {status: fragments[0]["icon"] for status, fragments in styles.items()}
    assert icons == {"alleged": '"❝"', "denied": '"⊘"', "unverified": '"?"', "evidenced": '"✓"'}

    # The legend beside the text names the same underlines, drawn the same way.
    legend = page.locator(".legend .legend-mark")
    expect(legend).to_have_text(["Dashed underline", "Double underline", "Dotted underline", "Solid underline"])
    assert legend.evaluate_all("marks => marks.map((m) => getComputedStyle(m).borderBottomStyle)") == list(
        lines.values()
    )
    assert console_errors == []


def test_marks_are_reached_with_tab_in_text_order_and_enter_or_space_opens_the_card(
    page: Page, live_server, login, console_errors, reviewer, reviewer2, seed_article
):
    body = seed_article.body
    whole = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 4)
    )
    services.annotation_submit(annotation=whole, actor=reviewer, version=1)
    phrase = "stole its trade secrets"
    start = body.index(phrase)
    inner = services.annotation_create(
        article=seed_article, author=reviewer2, status="unverified", start=start, end=start + len(phrase), quote=phrase
    )
    services.annotation_submit(annotation=inner, actor=reviewer2, version=1)
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    sentences = page.locator("#article-body .sentence")
    outer_mark = marks(page, whole)
    inner_mark = marks(page, inner)

    expect(outer_mark).to_have_accessible_description("Alleged verdict, submitted, by reviewer. Enter opens its card.")
    expect(inner_mark).to_have_accessible_description(
        "Unverified verdict, submitted, by reviewer2. Enter opens its card."
    )

    sentences.nth(3).focus()
    order = []
    for _ in range(4):
        page.keyboard.press("Tab")
        order.append(
            page.evaluate(
                "document.activeElement.dataset.annotationId || 'sentence ' + document.activeElement.dataset.index"
            )
        )
    # Sentence 4, the verdict on all of it, the phrase nested inside, then sentence 5.
    assert order == ["sentence 4", str(whole.pk), str(inner.pk), "sentence 5"]

    # The ring around a focused mark stands out from the page: at least 3:1.
    page.keyboard.press("Shift+Tab")
    expect(inner_mark).to_be_focused()
    ring, paper = inner_mark.evaluate(
        "(m) => [getComputedStyle(m).outlineColor, getComputedStyle(document.body).backgroundColor]"
    )
    assert inner_mark.evaluate("(m) => getComputedStyle(m).outlineStyle") == "solid"
    assert page.evaluate(CONTRAST, [ring, paper]) >= 3

    page.keyboard.press("Enter")
    expect(page.locator(f"#annotation-{inner.pk}")).to_be_focused()
    outer_mark.focus()
    page.keyboard.press(" ")
    expect(page.locator(f"#annotation-{whole.pk}")).to_be_focused()
    # j from a mark goes on to the next sentence; nothing was selected on the way.
    outer_mark.focus()
    page.keyboard.press("j")
    expect(sentences.nth(5)).to_be_focused()
    expect(page.locator("#verdict-form")).to_have_count(0)
    assert console_errors == []


def test_a_second_verdict_on_a_fully_marked_sentence_by_click(
    page: Page, live_server, login, console_errors, reviewer, reviewer2, seed_article
):
    span = sentence_span(seed_article, 4)
    first = services.annotation_create(article=seed_article, author=reviewer2, status="alleged", **span)
    services.annotation_submit(annotation=first, actor=reviewer2, version=1)
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)

    # A click on the marked sentence opens the existing verdict's card...
    page.locator('#article-body .sentence[data-index="4"]').click()
    card = page.locator(f"#annotation-{first.pk}")
    expect(card).to_be_focused()
    expect(page.locator("#verdict-form")).to_have_count(0)
    # ...which offers a verdict of one's own on the same sentence.
    card.get_by_role("button", name="Add another verdict on this sentence").click()
    expect_editor_for(page, **span)
    expect(page.locator('#article-body .sentence[data-index="4"]')).to_contain_class("is-selected")
    choose_status(page, "denied")
    page.fill("#id_denied_by", "Huawei")
    save_verdict(page)

    second = Annotation.objects.exclude(pk=first.pk).get()
    assert (second.start, second.end, second.quote, second.status, second.author) == (
        span["start"],
        span["end"],
        span["quote"],
        "denied",
        reviewer,
    )
    expect(marks(page, first)).to_have_text([span["quote"]])
    expect(marks(page, second)).to_have_text([span["quote"]])
    expect(page.locator("#verdicts .card-verdict")).to_have_count(2)
    assert console_errors == []
