"""A long article from "Add an article" in Chromium: imported in the background, its progress followed
on the page until the browser opens the article."""

from django.core.management import call_command
from playwright.sync_api import Page, expect
import pytest

from annotations.models import Article, ArticleImport

PARAGRAPH = (
    "The lawsuit says the system sent data abroad. The company denied it in 2019. Officials declined to comment."
)


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_long_article_is_imported_in_the_background_and_then_opened(
    page: Page, live_server, login, console_errors, reviewer, settings, debug
):
    settings.DEBUG = debug
    settings.FACTCHECK_IMPORT_INLINE_BYTES = 1_000
    body = "\n".join(f"{PARAGRAPH} Paragraph {n}." for n in range(20))
    login(page, live_server, reviewer)
    page.goto(f"{live_server.url}/articles/new/")
    page.get_by_label("Title").fill("A long lawsuit story")
    page.get_by_label("Article text").fill(body)
    page.get_by_role("button", name="Import article").click()

    job = ArticleImport.objects.get()
    expect(page).to_have_url(f"{live_server.url}/imports/{job.pk}/")
    expect(page.get_by_role("heading", name=f"Import #{job.pk}")).to_be_visible()
    expect(page.locator("#import-progress")).to_contain_text("Waiting to start")
    expect(page.locator("#import-progress")).to_contain_text("0 of 1 article so far")
    assert not Article.objects.exists()

    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)  # the worker's turn

    article = Article.objects.get()
    expect(page).to_have_url(f"{live_server.url}/articles/{article.pk}/", timeout=4000)  # the next poll
    expect(page.locator("#article-title")).to_have_text("A long lawsuit story")
    expect(page.get_by_role("status")).to_contain_text("Imported “A long lawsuit story”.")
    assert article.sentences.count() == 80
    assert console_errors == []


def test_a_refused_long_article_is_refused_at_once_with_nothing_queued(
    page: Page, live_server, login, console_errors, reviewer, settings
):
    settings.FACTCHECK_IMPORT_INLINE_BYTES = 1_000
    login(page, live_server, reviewer)
    page.goto(f"{live_server.url}/articles/new/")
    page.get_by_label("Title").fill("A long story")
    page.get_by_label("Article text").fill("\n".join([PARAGRAPH] * 20))
    page.get_by_label("Web address").fill("javascript:alert(1)")
    page.get_by_role("button", name="Import article").click()
    expect(page).to_have_url(f"{live_server.url}/articles/new/")
    expect(page.locator(".field-error").first).to_be_visible()
    assert not ArticleImport.objects.exists() and not Article.objects.exists()
    assert console_errors == []


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_web_address_pasted_at_add_article_is_fetched_and_the_article_opens(
    page: Page, live_server, login, console_errors, reviewer, settings, web, debug
):
    settings.DEBUG = debug
    login(page, live_server, reviewer)
    page.goto(f"{live_server.url}/articles/new/")
    page.get_by_label("Web address").fill(web.url("/article.html"))
    page.get_by_role("button", name="Import article").click()

    article = Article.objects.get()
    expect(page).to_have_url(f"{live_server.url}/articles/{article.pk}/")
    expect(page.locator("#article-title")).to_have_text("Flood defences failed, report says")
    expect(page.get_by_text("The mayor denied that maintenance had been cut.")).to_be_visible()
    assert (article.url, article.publisher, article.language) == (web.url("/article.html"), "Tagesblatt", "en-GB")
    assert console_errors == []


def test_a_web_address_that_cannot_be_fetched_is_refused_on_the_form(
    page: Page, live_server, login, console_errors, reviewer, web
):
    login(page, live_server, reviewer)
    page.goto(f"{live_server.url}/articles/new/")
    page.get_by_label("Web address").fill(web.url("/image.png"))
    page.get_by_role("button", name="Import article").click()
    expect(page).to_have_url(f"{live_server.url}/articles/new/")
    expect(page.locator(".field-error")).to_have_text(["The page is image/png, not HTML or plain text."])
    expect(page.get_by_label("Web address")).to_have_value(web.url("/image.png"))
    assert not Article.objects.exists()
    assert console_errors == []
