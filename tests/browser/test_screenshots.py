"""`make screenshots`: rewrites docs/screenshots/*.png. Deselected unless pytest runs with --screenshots."""

from pathlib import Path

from playwright.sync_api import Page, expect
import pytest

from annotations.demo import create_demo_verdicts
from tests.factories import ArticleFactory

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1440, "height": 1000}


@pytest.mark.screenshot
def test_screenshots_login_list_and_reader(
    page: Page, live_server, login, console_errors, reviewer, reviewer2, editor, seed_article
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    seed_article.publisher = "Tech blog (demo corpus)"
    seed_article.save()
    create_demo_verdicts(article=seed_article, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    ArticleFactory(
        title="ہواوے پر مقدمہ",
        body="پاکستان میں ہواوے پر مقدمہ دائر کیا گیا ہے۔ کمپنی نے الزامات کی تردید کی ہے۔",
        language="ur",
    )
    page.set_viewport_size(VIEWPORT)

    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("h1")).to_have_text("Log in to factcheck")
    page.screenshot(path=SCREENSHOTS / "login.png", full_page=True)

    login(page, live_server, reviewer)
    expect(page.locator("#article-table tbody tr")).to_have_count(2)
    page.screenshot(path=SCREENSHOTS / "articles.png", full_page=True)

    page.goto(f"{live_server.url}/articles/{seed_article.pk}/")
    expect(page.locator("#verdicts .card-verdict")).to_have_count(5)
    page.mouse.move(0, 0)
    page.screenshot(path=SCREENSHOTS / "reader.png", full_page=True)

    sentence = page.locator('#article-body .sentence[data-index="21"]')
    sentence.click()
    expect(page.locator("#verdict-form")).to_be_visible()
    page.locator('#verdict-form input[name=status][value="evidenced"]').check()
    page.mouse.move(0, 0)
    page.screenshot(path=SCREENSHOTS / "verdict-form.png")

    assert console_errors == []


@pytest.mark.screenshot
def test_screenshots_review_queue_and_mine(
    page: Page, live_server, login, console_errors, reviewer, reviewer2, editor, seed_article
):
    from annotations import services
    from tests.conftest import sentence_span

    create_demo_verdicts(article=seed_article, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    for index, status, author in [(9, "alleged", reviewer2), (12, "alleged", reviewer), (15, "unverified", reviewer2)]:
        annotation = services.annotation_create(
            article=seed_article,
            author=author,
            status=status,
            claimant="Business Efficiency Solutions (BES)",
            note="Attributed to the complaint; no independent confirmation found.",
            **sentence_span(seed_article, index),
        )
        services.annotation_submit(annotation=annotation, actor=author, version=1)
    page.set_viewport_size(VIEWPORT)
    login(page, live_server, editor)
    page.goto(f"{live_server.url}/review/")
    expect(page.locator("#queue .queue-item")).to_have_count(4)
    page.mouse.move(0, 0)
    page.screenshot(path=SCREENSHOTS / "review-queue.png", full_page=True)

    page.context.clear_cookies()
    login(page, live_server, reviewer2)
    page.goto(f"{live_server.url}/mine/")
    expect(page.locator("#mine-changes_requested .mine-item")).to_have_count(1)
    page.screenshot(path=SCREENSHOTS / "my-verdicts.png", full_page=True)
    assert console_errors == []


@pytest.mark.screenshot
def test_screenshots_import_progress(page: Page, live_server, login, console_errors, reviewer, seed_article, settings):
    """A background import half way, and one done with an article someone else stored meanwhile."""
    from annotations import services
    from annotations.models import ArticleImport, ImportState

    settings.FACTCHECK_IMPORT_INLINE_BYTES = 1
    uploads = [{"title": f"Court filing, part {n}", "body": f"{seed_article.body}\nPart {n}."} for n in range(1, 9)]
    running = services.articles_import(articles=uploads, imported_by=reviewer)
    ArticleImport.objects.filter(pk=running.pk).update(state=ImportState.RUNNING, done=3)
    settings.FACTCHECK_IMPORT_INLINE_BYTES = 10**9
    done = services.articles_import(
        articles=[{**u, "body": u["body"] + " Again."} for u in uploads[:4]], imported_by=reviewer
    )
    ArticleImport.objects.filter(pk=done.pk).update(
        problems=[
            {
                "item": 2,
                "title": "Court filing, part 3",
                "messages": ["This text is already stored as article #1, “Huawei spying in Pakistan?”."],
            }
        ]
    )
    login(page, live_server, reviewer)
    for width, suffix in ((1440, ""), (390, "-390")):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/imports/{running.pk}/")
        expect(page.locator("#import-progress")).to_contain_text("3 of 8 articles so far")
        page.screenshot(path=SCREENSHOTS / f"import-progress{suffix}.png", full_page=True)
        page.goto(f"{live_server.url}/imports/{done.pk}/")
        expect(page.locator("#import-progress")).to_contain_text("Done")
        page.screenshot(path=SCREENSHOTS / f"import-done{suffix}.png", full_page=True)


def test_screenshots_locked_logins(page: Page, live_server, login, console_errors, reviewer2, editor):
    from django.test import Client

    client = Client()
    for username, address, wrong in [
        ("reviewer2", "127.0.0.1", 11),
        ("j.doe", "198.51.100.23", 10),
        *((f"admin{n}", "203.0.113.7", 3) for n in range(10)),
    ]:
        for n in range(wrong):
            client.post("/accounts/login/", {"username": username, "password": f"wrong-{n}"}, REMOTE_ADDR=address)
    page.set_viewport_size(VIEWPORT)
    login(page, live_server, editor)
    page.goto(f"{live_server.url}/locked-logins/")
    expect(page.locator(".lock-item")).to_have_count(3)
    page.mouse.move(0, 0)
    page.screenshot(path=SCREENSHOTS / "locked-logins.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=SCREENSHOTS / "locked-logins-390.png", full_page=True)
    assert console_errors == []


@pytest.mark.screenshot
def test_screenshots_versions(
    page: Page, live_server, login, console_errors, reviewer, reviewer2, editor, seed_article, seed_text
):
    """Issue 16: the corrected article, the diff and the orphan queue, at 1440 and 390 px."""
    from annotations import services
    from tests.reanchoring_corpus import demo_correction

    seed_article.publisher = "Tech blog (demo corpus)"
    seed_article.save()
    create_demo_verdicts(article=seed_article, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    services.article_version_create(article=seed_article, actor=editor, body=demo_correction(seed_text))
    login(page, live_server, editor)
    pages = [
        (f"/articles/{seed_article.pk}/", "corrected-article", "#version-notice"),
        (f"/articles/{seed_article.pk}/compare/", "compare-versions", "#diff-body"),
        ("/orphans/", "orphan-queue", ".orphan-item"),
    ]
    for width, suffix in ((1440, ""), (390, "-390")):
        page.set_viewport_size({"width": width, "height": 1000 if width > 400 else 844})
        for path, name, ready in pages:
            page.goto(f"{live_server.url}{path}")
            expect(page.locator(ready).first).to_be_visible()
            page.mouse.move(0, 0)
            page.screenshot(path=SCREENSHOTS / f"{name}{suffix}.png", full_page=name != "corrected-article")
    assert console_errors == []
