"""The interface in Urdu (issue 20), in Chromium: a reviewer switches to Urdu, marks a sentence of the
Urdu demo article and submits it; an editor approves it in Urdu; axe finds nothing on the Urdu pages."""

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
import pytest

from annotations.demo import create_urdu_demo_article
from annotations.models import Annotation, LanguagePreference
from tests.factories import PASSWORD

AXE = Axe()
VIEWPORTS = [(1440, 900), (390, 844)]


def log_in(page: Page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", PASSWORD)
    page.locator("#main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")


def switch_to_urdu(page: Page) -> None:
    page.select_option("#language-select", "ur")
    page.locator(".language-switcher button").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ur")


def axe_violations(page: Page) -> list[str]:
    found = []
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        for violation in AXE.run(page).response["violations"]:
            found.append(f"{width}px {violation['id']}: {[node['target'] for node in violation['nodes']]}")
    page.set_viewport_size({"width": 1440, "height": 900})
    return found


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
def test_a_reviewer_submits_and_an_editor_approves_in_urdu(
    page: Page, live_server, console_errors, new_context, settings, debug, reviewer, editor
):
    settings.DEBUG = debug
    article = create_urdu_demo_article()
    log_in(page, live_server, reviewer)
    switch_to_urdu(page)
    expect(page.locator("h1")).to_have_text("مضامین")
    assert LanguagePreference.objects.get(user=reviewer).language == "ur"

    page.goto(f"{live_server.url}/articles/{article.pk}/")
    sentence = article.sentences.get(index=2)
    quote = article.body[sentence.start : sentence.end]
    page.locator('#article-body .sentence[data-index="2"]').click()
    expect(page.locator("#selection-quote")).to_have_text(quote)
    page.locator("#verdict-form label.status-option-alleged").click()
    expect(page.locator("#verdict-form label.status-option-alleged")).to_contain_text("مبینہ")
    page.fill("#id_note", "یہ دعویٰ صرف ایک فریق نے کیا ہے۔")
    page.get_by_role("button", name="محفوظ کر کے جائزے کے لیے بھیجیں").click()
    expect(page.locator("#editor .saved-message")).to_be_visible()
    verdict = Annotation.objects.get(article=article, start=sentence.start, end=sentence.end, author=reviewer)
    card = page.locator(f"#verdicts #annotation-{verdict.pk}")
    expect(card).to_have_attribute("data-state", "submitted")
    expect(card.locator(".status-badge")).to_contain_text("مبینہ")
    assert (verdict.status, verdict.state) == ("alleged", "submitted")
    assert axe_violations(page) == []

    desk = new_context().new_page()
    log_in(desk, live_server, editor)
    switch_to_urdu(desk)
    desk.goto(f"{live_server.url}/review/")
    item = desk.locator(f"#queue-item-{verdict.pk}")
    expect(item.locator(".queue-context mark")).to_have_text(quote)
    assert axe_violations(desk) == []
    item.get_by_role("button", name="منظور کریں").click()
    expect(item).to_contain_class("is-done")
    verdict.refresh_from_db()
    assert (verdict.state, verdict.reviewed_by) == ("approved", editor)
    assert console_errors == []


LINES_OF = """element => {
    const range = document.createRange();
    range.selectNodeContents(element);
    return new Set([...range.getClientRects()].map(rect => Math.round(rect.bottom))).size;
}"""


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
def test_urdu_form_controls_on_a_phone_keep_their_words_whole(page: Page, live_server, settings, debug, editor):
    """Nastaliq letters reach further than Latin ones: at 390 px the article list's action keeps its
    label on one line, an empty search field lays its Urdu placeholder out right to left (and follows
    what is typed), and the filters are drawn by the browser with the page's line height, where a
    native select would clip the tops and the first letter of "کسی کے بھی ذمے یا کسی کے نہیں"."""
    settings.DEBUG = debug
    create_urdu_demo_article()
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, editor)
    switch_to_urdu(page)

    add = page.locator(".page-head > .button")
    expect(add).to_have_text("مضمون شامل کریں")
    assert add.evaluate(LINES_OF) == 1

    search = page.locator("#article-search")
    assert search.evaluate("e => getComputedStyle(e).direction") == "rtl"
    search.fill("Huawei")
    assert search.evaluate("e => getComputedStyle(e).direction") == "ltr"

    assigned = page.locator("#assigned-filter")
    expect(assigned.locator("option:checked")).to_have_text("کسی کے بھی ذمے یا کسی کے نہیں")
    style = assigned.evaluate("e => [getComputedStyle(e).appearance, getComputedStyle(e).lineHeight]")
    assert style == ["base-select", "32px"]
    assigned.select_option(label=f"{editor.get_username()} کے ذمے")
    expect(page).to_have_url(f"{live_server.url}/?q=Huawei&review=&assigned={editor.get_username()}")
