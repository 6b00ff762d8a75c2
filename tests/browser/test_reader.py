"""The reader page in Chromium: sentences, selection by click and keyboard, text direction, access."""

from playwright.sync_api import Page, expect
import pytest

from annotations.models import Article, Sentence
from tests.factories import ArticleFactory

URDU_BODY = "پاکستان میں ہواوے پر مقدمہ دائر کیا گیا ہے۔ کمپنی نے الزامات کی تردید کی ہے۔"


@pytest.fixture
def urdu_article(db) -> Article:
    return ArticleFactory(title="ہواوے پر مقدمہ", body=URDU_BODY, language="ur")


def open_article(page: Page, live_server, article: Article) -> None:
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    expect(page.locator("#article-title")).to_have_text(article.title)


def expect_selection_panel(page: Page, article: Article, sentence: Sentence) -> None:
    """The verdict editor opened for exactly this sentence, with the server's offsets and quote."""
    form = page.locator("#verdict-form")
    expect(form).to_be_visible()
    expect(form).to_have_attribute("data-start", str(sentence.start))
    expect(form).to_have_attribute("data-end", str(sentence.end))
    expect(page.locator("#selection-place")).to_have_text(f"Sentence {sentence.index + 1}")
    expect(page.locator("#selection-quote")).to_have_text(article.body[sentence.start : sentence.end])


def test_reader_shows_every_sentence_and_selects_one_by_click(
    page: Page, live_server, login, console_errors, reviewer, seed_article
):
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)

    body = page.locator("#article-body")
    expect(body.locator(".sentence")).to_have_count(26)
    expect(body).to_have_attribute("dir", "ltr")
    expect(body).to_have_attribute("lang", "en")

    sentence = body.locator('.sentence[data-index="4"]')
    sentence.click()

    stored = seed_article.sentences.get(index=4)
    start, end = int(sentence.get_attribute("data-start")), int(sentence.get_attribute("data-end"))
    assert (start, end) == (stored.start, stored.end)
    assert sentence.text_content() == seed_article.body[start:end]
    expect(sentence).to_contain_class("is-selected")
    expect(sentence).to_have_attribute("aria-current", "true")
    expect(body.locator(".sentence.is-selected")).to_have_count(1)
    expect_selection_panel(page, seed_article, stored)

    assert console_errors == []


def test_reader_keyboard_moves_with_j_k_and_selects_with_enter(
    page: Page, live_server, login, console_errors, reviewer, seed_article
):
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    body = page.locator("#article-body")

    body.locator('.sentence[data-index="0"]').focus()
    page.keyboard.press("j")
    page.keyboard.press("j")
    third = body.locator('.sentence[data-index="2"]')
    expect(third).to_be_focused()
    page.keyboard.press("Enter")

    expect(third).to_contain_class("is-selected")
    expect(body.locator(".sentence.is-selected")).to_have_count(1)
    expect_selection_panel(page, seed_article, seed_article.sentences.get(index=2))

    # Enter moved the focus into the verdict editor; Esc closes it and gives the focus back.
    page.keyboard.press("Escape")
    expect(page.locator("#verdict-form")).to_have_count(0)
    expect(third).to_be_focused()
    page.keyboard.press("k")
    expect(body.locator('.sentence[data-index="1"]')).to_be_focused()

    assert console_errors == []


def test_reader_shows_urdu_right_to_left(page: Page, live_server, login, console_errors, reviewer, urdu_article):
    login(page, live_server, reviewer)
    open_article(page, live_server, urdu_article)

    body = page.locator("#article-body")
    expect(body).to_have_attribute("dir", "rtl")
    expect(body).to_have_attribute("lang", "ur")
    sentences = body.locator(".sentence")
    expect(sentences).to_have_count(2)
    expect(sentences).to_have_text(["پاکستان میں ہواوے پر مقدمہ دائر کیا گیا ہے۔", "کمپنی نے الزامات کی تردید کی ہے۔"])

    assert console_errors == []


def test_reader_sends_anonymous_visitor_to_login(page: Page, live_server, console_errors, seed_article):
    page.goto(f"{live_server.url}/articles/{seed_article.pk}/")

    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/articles/{seed_article.pk}/")
    expect(page.locator("h1")).to_have_text("Log in to factcheck")
    expect(page.locator("#main input[name=next]")).to_have_value(f"/articles/{seed_article.pk}/")
    assert console_errors == []
