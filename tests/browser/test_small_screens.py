"""Phones and zoom in Chromium: a tapped sentence brings the verdict panel into view (a bottom sheet) and
closing it returns to the sentence; every page fits 320 px without sideways scrolling; no key hints where
there is no keyboard."""

from collections.abc import Iterator

from django.test import Client
from playwright.sync_api import BrowserContext, Page, expect
import pytest

from annotations import services
from annotations.demo import create_demo_verdicts
from tests.browser.conftest import TIMEOUT_MS
from tests.factories import PASSWORD
from tests.reanchoring_corpus import demo_correction

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(new_context) -> Iterator[tuple[BrowserContext, Page, list[str]]]:
    """A touch screen without a keyboard or a mouse (390×844), with its console errors and CSP refusals."""
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(error.message))
    yield context, page, errors


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("h1")).to_have_text("Articles")


def within_viewport(box: dict, height: int) -> bool:
    return box["y"] >= 0 and box["y"] + box["height"] <= height


def test_tapping_a_sentence_on_a_phone_opens_the_panel_in_view_and_closing_returns_to_it(
    phone, live_server, reviewer, seed_article
):
    _, page, errors = phone
    log_in(page, live_server, "reviewer")
    page.goto(f"{live_server.url}/articles/{seed_article.pk}/")
    sentence = page.locator('#article-body .sentence[data-index="9"]')
    sentence.scroll_into_view_if_needed()

    sentence.tap()
    editor = page.locator("#editor")
    expect(page.locator("#verdict-form")).to_be_visible()
    expect(page.locator("#selection-quote")).to_have_text(sentence.text_content())
    # The panel is on screen, and the tapped sentence stays visible above it.
    panel = editor.bounding_box()
    assert within_viewport(panel, PHONE["height"]), panel
    tapped = sentence.bounding_box()
    assert tapped["y"] >= 0 and tapped["y"] + tapped["height"] <= panel["y"], (tapped, panel)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_role("button", name="Close").tap()
    expect(page.locator("#verdict-form")).to_have_count(0)
    expect(sentence).to_be_focused()
    assert within_viewport(sentence.bounding_box(), PHONE["height"])

    # Saved: the confirmation is on screen too, and closing it goes back to the sentence as well.
    sentence.tap()
    page.locator("#verdict-form label.status-option-alleged").tap()
    page.get_by_role("button", name="Save verdict").tap()
    expect(page.locator("#editor .saved-message")).to_be_visible()
    assert within_viewport(editor.bounding_box(), PHONE["height"])
    # The page stays on the sentence (not off to its card, which would sit under the sheet); the focus
    # stays in the sheet.
    expect(page.locator("#editor .editor-close")).to_be_focused()
    assert sentence.bounding_box()["y"] >= 0
    assert sentence.bounding_box()["y"] + sentence.bounding_box()["height"] <= editor.bounding_box()["y"]
    assert services.Annotation.objects.get().quote == sentence.text_content()
    page.locator("#editor").get_by_role("button", name="Close").tap()
    expect(page.locator("#editor .saved-message")).to_have_count(0)
    expect(sentence).to_be_focused()
    assert within_viewport(sentence.bounding_box(), PHONE["height"])
    assert errors == []


def test_key_hints_show_with_a_keyboard_and_hide_on_a_touch_screen(
    page: Page, phone, live_server, login, console_errors, reviewer, seed_article
):
    login(page, live_server, reviewer)
    page.goto(f"{live_server.url}/articles/{seed_article.pk}/")
    page.locator('#article-body .sentence[data-index="2"]').click()
    expect(page.locator("#reader-hint")).to_contain_text(
        "Click a sentence or drag across a phrase to record a verdict. Keys: j/k move,", use_inner_text=True
    )
    expect(page.locator("#reader-hint .hint-touch")).to_be_hidden()
    expect(page.locator("#verdict-form kbd")).to_have_count(5)  # a, d, u, e and Ctrl+Enter (save and submit)
    for badge in page.locator("#verdict-form kbd").all():
        expect(badge).to_be_visible()

    _, touch, errors = phone
    log_in(touch, live_server, "reviewer")
    touch.goto(f"{live_server.url}/articles/{seed_article.pk}/")
    expect(touch.locator("#reader-hint")).to_have_text("Tap a sentence to record a verdict.", use_inner_text=True)
    expect(touch.locator("#reader-hint .hint-keys")).to_be_hidden()
    touch.locator('#article-body .sentence[data-index="2"]').tap()
    expect(touch.locator("#verdict-form")).to_be_visible()
    for badge in touch.locator("kbd").all():
        expect(badge).to_be_hidden()
    assert console_errors == [] and errors == []


def test_every_page_fits_320_pixels_without_sideways_scrolling(
    page: Page, live_server, login, console_errors, reviewer, reviewer2, editor, seed_article, seed_text, settings
):
    create_demo_verdicts(article=seed_article, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    settings.FACTCHECK_IMPORT_INLINE_BYTES = 1
    job = services.articles_import(
        articles=[{"title": f"Court filing, part {n}", "body": f"{seed_article.body}\nPart {n}."} for n in (1, 2)],
        imported_by=editor,
    )
    for n in range(10):
        Client().post("/accounts/login/", {"username": "j.doe", "password": f"wrong-{n}"}, REMOTE_ADDR="198.51.100.23")
    page.set_viewport_size({"width": 320, "height": 700})

    def fits(path: str, heading: str) -> None:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("h1")).to_have_text(heading)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path} is {width} px wide"

    fits("/accounts/login/", "Log in to factcheck")
    fits(f"/factchecks/{seed_article.pk}/", seed_article.title)
    login(page, live_server, editor)
    fits("/", "Articles")
    fits(f"/articles/{seed_article.pk}/", seed_article.title)
    expect(page.locator("#verdicts .card-verdict")).to_have_count(5)
    page.locator('#article-body .sentence[data-index="12"]').click()  # the panel open, as a bottom sheet
    expect(page.locator("#verdict-form")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    fits("/review/", "Review queue")
    expect(page.locator("#queue .queue-item")).to_have_count(1)
    fits("/articles/new/", "Add an article")
    fits(f"/imports/{job.pk}/", f"Import #{job.pk}")
    fits("/locked-logins/", "Locked log-ins")
    expect(page.locator(".lock-item")).to_have_count(1)
    page.context.clear_cookies()
    login(page, live_server, reviewer)
    fits("/mine/", "My verdicts")
    expect(page.locator(".mine-item")).not_to_have_count(0)

    # Issue 16's pages: the correction form, the diff and the orphan queue (one orphan, of reviewer2).
    fits(f"/articles/{seed_article.pk}/versions/new/", "Store a corrected version")
    services.article_version_create(article=seed_article, actor=editor, body=demo_correction(seed_text))
    fits(f"/articles/{seed_article.pk}/compare/", "Compare versions")
    expect(page.locator("#diff-body del", has_text="firm")).to_have_count(1)
    page.context.clear_cookies()
    login(page, live_server, editor)
    fits("/orphans/", "Orphan queue")
    expect(page.locator(".orphan-item")).to_have_count(1)
    assert console_errors == []
