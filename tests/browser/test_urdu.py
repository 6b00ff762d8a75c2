"""Urdu in Chromium: drawn in the Nastaliq font the app serves itself, upright, each text in its own
direction, and nothing fetched from anywhere but the app."""

from playwright.sync_api import Page, Request, Response, expect
import pytest

from annotations import services
from annotations.models import Article
from tests.conftest import sentence_span
from tests.factories import ArticleFactory

URDU_BODY = "پاکستان میں ہواوے پر مقدمہ دائر کیا گیا ہے۔ کمپنی نے الزامات کی تردید کی ہے۔"
FONT = "/static/annotations/fonts/noto-nastaliq-urdu-arabic-400-normal.woff2"


@pytest.fixture
def urdu_article(db, reviewer) -> Article:
    article = ArticleFactory(title="ہواوے پر مقدمہ", body=URDU_BODY, language="ur")
    services.annotation_create(
        article=article,
        author=reviewer,
        status="denied",
        claimant="امریکی حکام",
        denied_by="ہواوے",
        note="کمپنی نے الزامات کی تردید کی ہے۔\nThe denial is in the article itself.",
        **sentence_span(article, 1),
    )
    return article


def rendered_fonts(page: Page, selector: str) -> list[dict]:
    """The fonts Chromium actually drew the element's text with (DevTools' "Rendered fonts")."""
    session = page.context.new_cdp_session(page)
    session.send("DOM.enable")
    session.send("CSS.enable")
    root = session.send("DOM.getDocument")["root"]["nodeId"]
    node = session.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    session.detach()
    return fonts


def assert_drawn_in_served_font(page: Page, selector: str, text: str) -> None:
    """Every letter of `text` drawn by the served font; only its spaces (outside the font's range) by another."""
    drawn = rendered_fonts(page, selector)
    served = [font for font in drawn if font["familyName"] == "Noto Nastaliq Urdu"]
    assert [font["isCustomFont"] for font in served] == [True], drawn
    assert sum(font["glyphCount"] for font in drawn if font not in served) == text.count(" "), drawn


def test_pages_without_arabic_script_fetch_no_urdu_font_and_keep_italic_quotes(
    page: Page, live_server, login, console_errors, reviewer, seed_article
):
    fonts: list[Response] = []
    page.on("response", lambda response: fonts.append(response) if "/fonts/" in response.url else None)
    services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 7)
    )
    login(page, live_server, reviewer)
    page.goto(f"{live_server.url}/articles/{seed_article.pk}/")
    expect(page.locator("#verdicts .card-quote")).to_have_css("font-style", "italic")
    page.evaluate("document.fonts.ready")
    assert fonts == []
    assert console_errors == []


def test_urdu_is_drawn_in_the_served_nastaliq_font_upright_with_nothing_from_elsewhere(
    page: Page, live_server, login, console_errors, reviewer, urdu_article
):
    requests: list[Request] = []
    fonts: list[Response] = []
    page.on("request", lambda request: requests.append(request))
    page.on("response", lambda response: fonts.append(response) if "/fonts/" in response.url else None)
    login(page, live_server, reviewer)
    page.goto(f"{live_server.url}/articles/{urdu_article.pk}/")
    first = page.locator('#article-body .sentence[data-index="0"]')
    expect(first).to_have_text("پاکستان میں ہواوے پر مقدمہ دائر کیا گیا ہے۔")
    assert page.evaluate(
        "document.fonts.ready.then(() => document.fonts.check('16px \"Noto Nastaliq Urdu\"', 'ہواوے'))"
    )
    assert page.evaluate(
        "[...document.fonts].filter(f => f.family.includes('Nastaliq') && f.weight === '400').map(f => f.status)"
    ) == ["loaded"]
    assert_drawn_in_served_font(page, '#article-body .sentence[data-index="0"]', URDU_BODY.split("۔")[0])
    assert_drawn_in_served_font(page, "#article-title", "ہواوے پر مقدمہ")
    # Regular text and bold titles: the two weights, from this server (the article list asked first).
    assert {(r.url.removeprefix(live_server.url), r.status, r.headers["content-type"]) for r in fonts} == {
        (FONT, 200, "font/woff2"),
        (FONT.replace("-400-", "-700-"), 200, "font/woff2"),
    }

    # The card: the quote in Urdu, upright, right to left; the note's lines each in their own direction.
    card = page.locator("#verdicts .card-verdict").first
    quote = card.locator(".card-quote")
    expect(quote).to_have_attribute("lang", "ur")
    expect(quote).to_have_css("font-style", "normal")
    assert quote.evaluate("el => el.matches(':dir(rtl)')")
    assert_drawn_in_served_font(page, "#verdicts .card-verdict .card-quote", "کمپنی نے الزامات کی تردید کی ہے۔")
    expect(card.locator(".card-note")).to_have_css("unicode-bidi", "plaintext")
    assert card.locator(".attribution dd").evaluate_all("els => els.map(el => el.matches(':dir(rtl)'))") == [True, True]

    # The verdict form: the quote is Urdu; a note typed in Urdu runs right to left, one in English left to right.
    page.locator('#article-body .sentence[data-index="0"]').click()
    expect(page.locator("#verdict-form .editor-quote")).to_have_attribute("lang", "ur")
    note = page.locator("#id_note")
    expect(note).to_have_attribute("dir", "auto")
    note.fill("یہ دعویٰ شکایت سے لیا گیا ہے۔")
    assert note.evaluate("el => el.matches(':dir(rtl)')")
    note.fill("Taken from the complaint.")
    assert note.evaluate("el => el.matches(':dir(ltr)')")

    hosts = {request.url.split("/")[2] for request in requests}
    assert hosts == {live_server.url.split("/")[2]}
    assert console_errors == []
