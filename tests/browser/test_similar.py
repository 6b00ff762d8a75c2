"""Checked before in Chromium: a restated claim in a demo article shows the seed article's verdict in
the panel, keyboard first, at 1440 and 390 px, in both DEBUG modes; Same claim and Copy its sources."""

from playwright.sync_api import Page, expect
import pytest

from annotations.demo import create_demo_articles, create_demo_verdicts
from annotations.models import Annotation, Article

WIFI = 3  # the Hua Wei / Wi-Fi cards sentence of "the Hua Wei lawsuit, retold"
WIFI_QUOTE = "in which the PSCA told Huawei to remove Wi-Fi cards from a CCTV system in Pakistan"


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings) -> bool:
    settings.DEBUG = request.param
    return request.param


@pytest.fixture
def demo(seed_article, reviewer, reviewer2, editor) -> Article:
    """The seed article with its demo verdicts, and the demo article retelling two of its claims."""
    create_demo_verdicts(article=seed_article, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    create_demo_articles()
    return Article.objects.get(title__startswith="Demo: the Hua Wei lawsuit")


def open_panel(page: Page, live_server, article: Article, index: int) -> None:
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    page.locator(f'#article-body .sentence[data-index="{index}"]').click()
    expect(page.locator("#verdict-form")).to_be_visible()


@pytest.mark.parametrize("width", [1440, 390])
def test_a_restated_claim_shows_the_earlier_verdict_and_copies_its_sources(
    page: Page, live_server, login, console_errors, reviewer2, demo, debug, width
):
    page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
    login(page, live_server, reviewer2)
    open_panel(page, live_server, demo, WIFI)
    items = page.locator("#checked-before .similar-item")
    expect(items.first.locator(".similar-quote")).to_have_text(WIFI_QUOTE)
    expect(items.first.locator(".status-badge")).to_have_text("✓ Evidenced")
    expect(items.first.locator(".state-badge")).to_have_text("Approved")
    expect(items.first.locator(".similar-article a")).to_have_text("Huawei spying in Pakistan?")
    expect(page.locator("#checked-before input[name=same_claim_as][value='']")).to_be_checked()

    copy = items.first.get_by_role("button", name="Copy its sources")
    copy.click()
    rows = page.locator("#source-rows .source-row")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".source-row-title a")).to_contain_text("Report on Wi-Fi cards in PSCA CCTV")
    expect(rows.first.locator("select[name=source_relation]")).to_have_value("supports")
    expect(rows.first.locator("input[name=source_pinpoint]")).to_have_value("paragraphs 2–4")
    copy.click()  # no duplicates
    expect(items.first.locator(".similar-copied")).to_have_text("Its sources are already in the form.")
    expect(rows).to_have_count(1)
    assert console_errors == []


def test_the_keyboard_reaches_same_claim_and_copy_and_the_choice_does_not_stop_a_save(
    page: Page, live_server, login, console_errors, reviewer2, demo, debug
):
    login(page, live_server, reviewer2)
    page.goto(f"{live_server.url}/articles/{demo.pk}/")
    page.locator(f'#article-body .sentence[data-index="{WIFI}"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator("#checked-before .similar-item").first).to_be_visible()
    earlier = Annotation.objects.get(quote=WIFI_QUOTE)
    same = page.locator(f"#checked-before input[name=same_claim_as][value='{earlier.pk}']")
    for _ in range(12):  # from the status, backwards through the panel: the checked "Not the same claim"
        if page.evaluate("document.activeElement.name") == "same_claim_as":
            break
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("ArrowUp")  # the radio group: on to the nearest "Same claim"
    expect(same).to_be_checked()
    expect(same).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#checked-before .similar-copy").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#source-rows .source-row")).to_have_count(1)

    page.locator("#verdict-form label.status-option-evidenced").click()
    page.keyboard.type("The BBC report documents the order.")
    page.get_by_role("button", name="Save verdict").click()
    expect(page.locator(".editor-done .saved-message")).to_be_visible()
    saved = Annotation.objects.get(article=demo)
    assert (saved.status, [link.source.title for link in saved.source_links.all()]) == (
        "evidenced",
        ["Report on Wi-Fi cards in PSCA CCTV, 8 April 2019 (demo placeholder)"],
    )
    assert console_errors == []


def test_closing_an_untouched_panel_asks_nothing_and_nothing_found_is_quiet(
    page: Page, live_server, login, console_errors, reviewer2, demo, debug
):
    login(page, live_server, reviewer2)
    open_panel(page, live_server, demo, 4)  # filler: restates nothing
    expect(page.locator("#checked-before .checked-before-none")).to_have_text("Not checked before.")
    page.locator(f'#article-body .sentence[data-index="{WIFI}"]').click()
    expect(page.locator("#checked-before .similar-item").first).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#verdict-form")).to_have_count(0)
    expect(page.locator("#confirm-dialog")).not_to_be_visible()
    assert console_errors == []


def test_a_restated_claim_is_linked_from_checked_before_and_both_are_on_the_claim_page(
    page: Page, live_server, login, console_errors, reviewer2, demo, debug
):
    """Issue 17's loop: a sentence of the second demo article, the seed article's verdict under
    Checked before, Same claim, Save; the new card links the claim, whose page lists both."""
    login(page, live_server, reviewer2)
    open_panel(page, live_server, demo, WIFI)
    earlier = Annotation.objects.get(quote=WIFI_QUOTE)
    item = page.locator("#checked-before .similar-item").first
    expect(item.locator(".similar-quote")).to_have_text(WIFI_QUOTE)
    item.locator(f"input[name=same_claim_as][value='{earlier.pk}']").check()
    page.locator("#verdict-form label.status-option-evidenced").click()
    item.get_by_role("button", name="Copy its sources").click()
    expect(page.locator("#source-rows .source-row")).to_have_count(1)
    page.get_by_role("button", name="Save verdict").click()
    expect(page.locator(".editor-done .saved-message")).to_be_visible()

    saved = Annotation.objects.get(article=demo)
    earlier.refresh_from_db()
    assert saved.claim_id is not None and saved.claim_id == earlier.claim_id
    card = page.locator(f"#annotation-{saved.pk}")
    card.get_by_role("link", name=f"Checked elsewhere too: claim #{saved.claim_id}").click()
    expect(page.locator("h1")).to_have_text(f"Claim #{saved.claim_id}")
    appearances = page.locator("#claim-appearances .mine-item")
    expect(appearances).to_have_count(2)
    expect(page.locator(f"#appearance-{earlier.pk}")).to_contain_text("Huawei spying in Pakistan?")
    expect(page.locator(f"#appearance-{saved.pk}")).to_contain_text(demo.title)
    assert console_errors == []


def test_a_verdict_being_edited_is_linked_from_checked_before(
    page: Page, live_server, login, console_errors, reviewer2, demo, debug
):
    """Checked before in the edit form: a reviewer who saved a verdict without linking it opens Edit,
    finds the earlier verdict, chooses Same claim and saves; opened again, the form says they are linked."""
    from annotations import services
    from tests.conftest import sentence_span

    mine = services.annotation_create(
        article=demo, author=reviewer2, status="unverified", **sentence_span(demo, WIFI), note="Saved before linking."
    )
    earlier = Annotation.objects.get(quote=WIFI_QUOTE)
    login(page, live_server, reviewer2)
    page.goto(f"{live_server.url}/articles/{demo.pk}/")
    card = page.locator(f"#annotation-{mine.pk}")
    card.get_by_role("link", name="Edit").click()
    expect(page.locator("#verdict-form h2")).to_have_text("Edit verdict")
    item = page.locator(f"#checked-before #similar-{earlier.pk}")
    expect(item.locator(".similar-quote")).to_have_text(WIFI_QUOTE)
    item.get_by_label("Same claim").check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#editor .saved-message")).to_have_text("Verdict updated.")

    mine.refresh_from_db()
    earlier.refresh_from_db()
    assert (mine.claim_id, mine.note) == (earlier.claim_id, "Saved before linking.") and mine.claim_id is not None
    card.get_by_role("link", name="Edit").click()
    expect(item.locator(".similar-linked")).to_have_text("Already linked as the same claim")
    expect(item.locator("input[name=same_claim_as]")).to_have_count(0)
    expect(page.locator("#checked-before .similar-none")).to_have_text("Link no other verdict")
    expect(page.locator("#checked-before .similar-none input")).to_be_checked()
    assert console_errors == []
