"""`make screenshots`: rewrites docs/screenshots/*.png. Deselected unless pytest runs with --screenshots."""

from pathlib import Path

from playwright.sync_api import Page, expect
import pytest

from annotations import services
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


@pytest.mark.screenshot
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
def test_screenshots_reader_marks_focus_and_phone(
    page: Page, new_context, live_server, login, console_errors, reviewer, reviewer2, editor, seed_article
):
    """The reader's marks with a keyboard focus ring (1440 px), at 390 and 320 px, and its verdict panel as
    a bottom sheet on a phone after a tap."""
    from tests.factories import PASSWORD

    seed_article.publisher = "Tech blog (demo corpus)"
    seed_article.save()
    create_demo_verdicts(article=seed_article, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    page.set_viewport_size(VIEWPORT)
    login(page, live_server, reviewer)
    page.goto(f"{live_server.url}/articles/{seed_article.pk}/")
    expect(page.locator("#verdicts .card-verdict")).to_have_count(5)
    page.locator('#article-body .sentence[data-index="20"]').focus()
    page.keyboard.press("Tab")  # the denied mark on sentence 20, with its focus ring
    expect(page.locator("#article-body mark:focus")).to_have_count(1)
    page.mouse.move(0, 0)
    page.screenshot(path=SCREENSHOTS / "reader-mark-focus.png")
    for width in (390, 320):
        page.set_viewport_size({"width": width, "height": 844})
        page.goto(f"{live_server.url}/articles/{seed_article.pk}/")
        page.screenshot(path=SCREENSHOTS / f"reader-{width}.png")

    phone = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    touch = phone.new_page()
    touch.goto(f"{live_server.url}/accounts/login/")
    touch.fill("#id_username", "reviewer")
    touch.fill("#id_password", PASSWORD)
    touch.get_by_role("button", name="Log in").tap()
    expect(touch.locator("h1")).to_have_text("Articles")
    touch.goto(f"{live_server.url}/articles/{seed_article.pk}/")
    sentence = touch.locator('#article-body .sentence[data-index="9"]')
    sentence.scroll_into_view_if_needed()
    sentence.tap()
    expect(touch.locator("#verdict-form")).to_be_visible()
    touch.locator("#verdict-form label.status-option-alleged").tap()
    touch.screenshot(path=SCREENSHOTS / "reader-sheet-390.png")


@pytest.mark.screenshot
def test_screenshots_url_import_and_source_archive(
    page: Page, live_server, login, console_errors, reviewer, editor, web
):
    """Add article with a web address (a refusal, then the page fetched), the card's archive states
    and the archive page. The pages come from the tests' local server."""
    from annotations import services
    from annotations.models import Article, Source
    from tests.conftest import sentence_span
    from tests.webserver import ARTICLE_HTML
    from tests.webserver import Page as WebPage

    login(page, live_server, reviewer)
    page.goto(f"{live_server.url}/articles/new/")
    page.get_by_label("Web address").fill(web.url("/missing"))
    page.get_by_role("button", name="Import article").click()
    expect(page.locator(".field-error")).to_have_text(["The page answered HTTP 404 (Not Found)."])
    for width, suffix in ((1440, ""), (390, "-390")):
        page.set_viewport_size({"width": width, "height": 900})
        page.mouse.move(0, 0)
        page.screenshot(path=SCREENSHOTS / f"add-article-url{suffix}.png", full_page=True)
    page.get_by_label("Web address").fill(web.url("/article.html"))
    page.get_by_role("button", name="Import article").click()
    article = Article.objects.get()
    expect(page).to_have_url(f"{live_server.url}/articles/{article.pk}/")

    web.routes["/engineers-report.html"] = WebPage(ARTICLE_HTML.replace("Flood defences", "Engineers' report"))
    web.routes["/council-statement.html"] = WebPage(ARTICLE_HTML.replace("Flood defences", "Council statement"))
    links = [
        ("/engineers-report.html", "Engineers' report on the storm", "supports"),
        ("/council-statement.html", "Council statement on maintenance", "denial"),
        ("/press-release.html", "Fire service press release", "context"),
    ]
    services.annotation_create(
        article=article,
        author=reviewer,
        status="alleged",
        claimant="Engineers' report",
        note="The report is quoted; the council disputes the cause.",
        sources=[
            services.SourceLink(services.NewSource(url=web.url(path), title=title), relation)
            for path, title, relation in links
        ],
        **sentence_span(article, 1),
    )
    for source in Source.objects.all():
        services.source_archive(source_id=source.pk)
    del web.routes["/council-statement.html"]  # the council's page disappears later
    services.source_archive(source_id=Source.objects.get(title__startswith="Council").pk)

    page.context.clear_cookies()
    login(page, live_server, editor)
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    expect(page.locator(".archive-state")).to_have_count(3)
    for width, suffix in ((1440, ""), (390, "-390")):
        page.set_viewport_size({"width": width, "height": 900})
        page.mouse.move(0, 0)
        page.screenshot(path=SCREENSHOTS / f"reader-archived-sources{suffix}.png", full_page=True)
    page.locator(".archive-state a.archive-link").first.click()
    expect(page.get_by_role("heading", name="Stored text")).to_be_visible()
    for width, suffix in ((1440, ""), (390, "-390")):
        page.set_viewport_size({"width": width, "height": 900})
        page.mouse.move(0, 0)
        page.screenshot(path=SCREENSHOTS / f"source-archive{suffix}.png", full_page=True)
    assert console_errors == []


@pytest.mark.screenshot
def test_screenshots_verdict_form_errors_save_and_submit_mine_queue_and_delete(
    page: Page, live_server, login, console_errors, reviewer, reviewer2, editor, seed_article
):
    """Issue 15's states at both widths: a refused form with its error in place, the form ready to save
    and submit, the delete question, /mine/ with Submit and Resubmit, a queue item refused in place."""
    from annotations import services
    from tests.conftest import sentence_span

    bbc, _ = services.source_get_or_create(
        url="https://www.bbc.com/news/world-asia-47855015",
        title="Huawei told to remove Wi-Fi cards from Pakistan CCTV",
        publisher="BBC News",
        created_by=reviewer,
    )
    draft = services.annotation_create(
        article=seed_article, author=reviewer, status="unverified", **sentence_span(seed_article, 9)
    )
    returned = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 12)
    )
    returned = services.annotation_submit(annotation=returned, actor=reviewer, version=1)
    services.annotation_request_changes(
        annotation=returned, editor=editor, version=2, comment="Name who makes the claim: the complaint, or BES?"
    )
    waiting = services.annotation_create(
        article=seed_article, author=reviewer2, status="alleged", claimant="BES", **sentence_span(seed_article, 4)
    )
    services.annotation_submit(annotation=waiting, actor=reviewer2, version=1)
    login(page, live_server, reviewer)
    for width, suffix in ((1440, ""), (390, "-390")):
        page.set_viewport_size({"width": width, "height": 1000 if width > 400 else 844})
        page.goto(f"{live_server.url}/articles/{seed_article.pk}/")
        page.locator('#article-body .sentence[data-index="15"]').click()
        page.locator("#verdict-form label.status-option-denied").click()
        page.fill("#id_note", "Huawei's statement to Dawn rejects the complaint.")
        page.get_by_role("button", name="Save verdict").click()
        expect(page.locator(".field-denied-by .field-error")).to_be_visible()
        page.locator("#editor").scroll_into_view_if_needed()
        page.mouse.move(0, 0)
        page.screenshot(path=SCREENSHOTS / f"verdict-form-error{suffix}.png")

        page.locator("#verdict-form label.status-option-alleged").click()
        page.fill("#source-q", "wi-fi")
        page.locator("#source-results .source-add").click()
        expect(page.locator("#source-rows .source-row")).to_have_count(1)
        page.locator(".publishing-details summary").click()
        expect(page.locator("#id_claimant_type")).to_be_visible()
        page.get_by_role("button", name="Save and submit").scroll_into_view_if_needed()
        page.mouse.move(0, 0)
        page.screenshot(path=SCREENSHOTS / f"verdict-form-submit{suffix}.png")

        page.goto(f"{live_server.url}/articles/{seed_article.pk}/")
        card = page.locator(f"#annotation-{draft.pk}")
        card.get_by_role("button", name="Delete").click()
        expect(page.locator("#confirm-dialog")).to_be_visible()
        page.screenshot(path=SCREENSHOTS / f"delete-dialog{suffix}.png")
        page.get_by_role("button", name="Cancel").click()

        page.goto(f"{live_server.url}/mine/")
        expect(page.locator(".mine-actions")).to_have_count(2)
        page.screenshot(path=SCREENSHOTS / f"my-verdicts-submit{suffix}.png", full_page=True)
    page.context.clear_cookies()
    login(page, live_server, editor)
    for width, suffix in ((1440, ""), (390, "-390")):
        page.set_viewport_size({"width": width, "height": 1000 if width > 400 else 844})
        page.goto(f"{live_server.url}/review/")
        item = page.locator(f"#queue-item-{waiting.pk}")
        item.get_by_label("Editor's status").select_option("unverified")
        item.get_by_role("button", name="Approve").click()
        expect(item.locator(".field-error")).to_be_visible()
        page.mouse.move(0, 0)
        page.screenshot(path=SCREENSHOTS / f"review-queue-refused{suffix}.png", full_page=True)
    assert bbc.pk
    assert len(console_errors) == 4  # the refused requests, as Chromium logs them


@pytest.mark.screenshot
def test_screenshots_urdu_reader_and_api_docs(
    page: Page, live_server, login, console_errors, reviewer, reviewer2, editor
):
    """The Urdu reader (Nastaliq, right to left, a note mixing Urdu and English) and the API docs, at both widths."""
    from annotations import services
    from tests.conftest import sentence_span

    article = services.article_import(
        title="ہواوے پر مقدمہ",
        body=(
            "پاکستان میں ہواوے پر مقدمہ دائر کیا گیا ہے۔ کمپنی نے الزامات کی تردید کی ہے۔\n"
            "وزارت داخلہ نے کہا کہ کیمروں میں کوئی خفیہ راستہ نہیں ہے۔ یہ بیان منگل کو جاری کیا گیا۔"
        ),
        language="ur",
        publisher="اردو نیوز",
        imported_by=reviewer,
    )
    alleged = services.annotation_create(
        article=article,
        author=reviewer2,
        status="alleged",
        claimant="Business Efficiency Solutions (BES)",
        note="The complaint's claim; no court has ruled on it.",
        **sentence_span(article, 0),
    )
    alleged = services.annotation_submit(annotation=alleged, actor=reviewer2, version=alleged.version)
    services.annotation_approve(annotation=alleged, editor=editor, version=alleged.version)
    services.annotation_create(
        article=article,
        author=reviewer,
        status="denied",
        claimant="امریکی حکام",
        denied_by="ہواوے",
        note="کمپنی نے الزامات کی تردید کی ہے۔\nThe denial is quoted in the article itself.",
        **sentence_span(article, 1),
    )
    login(page, live_server, reviewer)
    for width, height, suffix in ((1440, 1000, ""), (390, 844, "-390")):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/articles/{article.pk}/")
        expect(page.locator("#verdicts .card-verdict")).to_have_count(2)
        page.evaluate("document.fonts.ready")
        page.mouse.move(0, 0)
        page.screenshot(path=SCREENSHOTS / f"urdu-reader{suffix}.png", full_page=True)

        page.goto(f"{live_server.url}/api/v1/docs/")
        expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
        page.screenshot(path=SCREENSHOTS / f"api-docs{suffix}.png")
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


@pytest.mark.screenshot
def test_screenshots_search(page: Page, live_server, login, console_errors, reviewer, reviewer2, editor, seed_article):
    create_demo_verdicts(article=seed_article, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    for viewport, suffix in ((VIEWPORT, ""), ({"width": 390, "height": 844}, "-390")):
        page.set_viewport_size(viewport)
        login(page, live_server, reviewer)
        page.get_by_role("link", name="Search", exact=True).click()
        page.locator("#desk-search").press_sequentially("complaint", delay=30)
        expect(page.locator("#search-results .search-result").first).to_be_visible()
        expect(page.locator("#search-results mark").first).to_have_text("complaint")
        page.mouse.move(0, 0)
        page.screenshot(path=SCREENSHOTS / f"search{suffix}.png", full_page=True)
        page.context.clear_cookies()
    assert console_errors == []


@pytest.mark.screenshot
def test_screenshots_checked_before(
    page: Page, live_server, login, console_errors, reviewer, reviewer2, editor, seed_article
):
    """The verdict panel on a demo article's restated claim, with the seed article's verdicts under
    "Checked before": two of them, one chosen as the same claim and its sources copied into the form
    (1440 px), and one in the bottom sheet at 390 px."""
    from annotations.demo import create_demo_articles
    from annotations.models import Article

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    create_demo_verdicts(article=seed_article, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    create_demo_articles()
    login(page, live_server, reviewer)  # who also sees their own draft on the seed article
    for width, height, title, index, suffix in (
        (1440, 1000, "Demo: backdoor claims", 1, ""),
        (390, 844, "Demo: the Hua Wei lawsuit", 3, "-390"),
    ):
        article = Article.objects.get(title__startswith=title)
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/articles/{article.pk}/")
        page.locator(f'#article-body .sentence[data-index="{index}"]').click()
        expect(page.locator("#checked-before .similar-item").first).to_be_visible()
        if not suffix:
            item = page.locator("#checked-before .similar-item").nth(1)
            item.locator(".similar-copy").click()
            expect(page.locator("#source-rows .source-row")).to_have_count(1)
            item.locator("input[name=same_claim_as]").check()
        page.locator("#checked-before").scroll_into_view_if_needed()
        page.mouse.move(0, 0)
        page.screenshot(path=SCREENSHOTS / f"checked-before{suffix}.png")
    assert console_errors == []


@pytest.mark.screenshot
def test_screenshots_claim(page: Page, live_server, login, console_errors, reviewer, reviewer2, editor, seed_article):
    """Issue 17: a claim checked in three articles, as a reviewer sees it (another reviewer's draft
    hidden), at 1440 and 390 px; and after removing an appearance."""
    from tests.browser.test_claims import claim_world

    seed_article.publisher = "Tech blog (demo corpus)"
    seed_article.save()
    world = claim_world(article=seed_article, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    login(page, live_server, reviewer)
    for width, suffix in ((1440, ""), (390, "-390")):
        page.set_viewport_size({"width": width, "height": 1000 if width > 400 else 844})
        page.goto(f"{live_server.url}/claims/{world.claim.pk}/")
        expect(page.locator("#claim-appearances .mine-item")).to_have_count(3)
        page.mouse.move(0, 0)
        page.screenshot(path=SCREENSHOTS / f"claim{suffix}.png", full_page=True)
        page.get_by_role("button", name="Remove from this claim").click()
        expect(page.locator("#claim-appearances [role=status]")).to_be_visible()
        page.screenshot(path=SCREENSHOTS / f"claim-removed{suffix}.png", full_page=True)
        services.claim_link(annotation=world.draft, earlier=world.earlier, actor=reviewer)
    assert console_errors == []


@pytest.mark.screenshot
def test_screenshots_assignments(
    page: Page, live_server, login, console_errors, reviewer, reviewer2, editor, seed_article
):
    from datetime import timedelta

    from django.utils import timezone

    from annotations import services
    from annotations.models import Assignment

    create_demo_verdicts(article=seed_article, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    other = ArticleFactory(title="Safe City Lahore: the camera contract", body="One sentence. Two sentences.")
    today = timezone.localdate()
    services.assignment_create(
        article=seed_article, editor=editor, username="reviewer", due=today, note="Check the legal claims first."
    )
    services.assignment_create(article=seed_article, editor=editor, username="reviewer2", due=today + timedelta(days=2))
    services.assignment_create(article=other, editor=editor, username="reviewer", due=today + timedelta(days=5))
    Assignment.objects.filter(article=seed_article, reviewer=reviewer).update(due=today - timedelta(days=1))
    for viewport, suffix in ((VIEWPORT, ""), ({"width": 390, "height": 844}, "-390")):
        page.set_viewport_size(viewport)
        login(page, live_server, reviewer)
        expect(page.locator(".assigned-to-me li")).to_have_count(2)
        page.mouse.move(0, 0)
        page.screenshot(path=SCREENSHOTS / f"assigned-to-me{suffix}.png", full_page=True)
        page.context.clear_cookies()
        login(page, live_server, editor)
        page.goto(f"{live_server.url}{seed_article.get_absolute_url()}")
        box = page.locator("#assignments")
        box.scroll_into_view_if_needed()
        page.mouse.move(0, 0)
        box.screenshot(path=SCREENSHOTS / f"assignments-box{suffix}.png")
        page.context.clear_cookies()
    assert console_errors == []


@pytest.mark.screenshot
def test_screenshots_discussion(
    page: Page, live_server, login, console_errors, reviewer, reviewer2, editor, seed_article
):
    create_demo_verdicts(article=seed_article, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    returned = seed_article.annotations.get(state="changes_requested")
    services.comment_create(
        annotation=returned, author=reviewer, body="Done: I added ¶ 42 of the complaint.\nIs that enough, @editor?"
    )
    services.comment_create(annotation=returned, author=editor, body="Yes. Say in the note that no court has ruled.")
    gone = services.comment_create(annotation=returned, author=reviewer2, body="Wrong verdict, sorry")
    services.comment_delete(comment=gone, actor=reviewer2)
    for viewport, suffix in ((VIEWPORT, ""), ({"width": 390, "height": 844}, "-390")):
        page.set_viewport_size(viewport)
        login(page, live_server, reviewer)
        page.goto(f"{live_server.url}{seed_article.get_absolute_url()}#annotation-{returned.pk}")
        card = page.locator(f"#annotation-{returned.pk}")
        card.locator(".discussion-box summary").click()
        expect(card.locator(".thread-item")).to_have_count(4)
        box = card.locator(".discussion-box")
        box.scroll_into_view_if_needed()
        page.mouse.move(0, 0)
        box.screenshot(path=SCREENSHOTS / f"discussion{suffix}.png")
        page.context.clear_cookies()
    assert console_errors == []


@pytest.mark.screenshot
def test_screenshots_desk(page: Page, live_server, login, console_errors, reviewer, reviewer2, editor, seed_article):
    """The desk dashboard on the demo's verdicts, at 1440 and 390 px."""
    create_demo_verdicts(article=seed_article, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    login(page, live_server, editor)
    for viewport, suffix in ((VIEWPORT, ""), ({"width": 390, "height": 844}, "-390")):
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}/desk/")
        expect(page.locator("svg.chart")).to_have_count(2)
        page.mouse.move(0, 0)
        page.screenshot(path=SCREENSHOTS / f"desk{suffix}.png", full_page=True)
    assert console_errors == []


@pytest.mark.screenshot
def test_screenshots_notifications(
    page: Page, live_server, login, console_errors, reviewer, reviewer2, editor, seed_article
):
    """The reviewer's notifications after a day on the desk: an assignment, a reply, a mention, a
    return and an approval, two of them read."""
    from datetime import timedelta

    from django.utils import timezone

    from annotations import notifications
    from annotations.models import Notification

    create_demo_verdicts(article=seed_article, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    services.assignment_create(
        article=seed_article,
        editor=editor,
        username="reviewer",
        due=timezone.localdate() + timedelta(days=1),
        note="Check the legal claims first.",
    )
    notifications.due_reminders(today=timezone.localdate())
    returned = seed_article.annotations.get(state="changes_requested")
    services.comment_create(annotation=returned, author=reviewer, body="Done: I added ¶ 42 of the complaint.")
    services.comment_create(
        annotation=returned, author=editor, body="Thanks, @reviewer. Say in the note that no court has ruled."
    )
    waiting = seed_article.annotations.filter(state="submitted", author=reviewer).first()
    if waiting is not None:
        services.annotation_approve(annotation=waiting, editor=editor, version=waiting.version)
    oldest = Notification.objects.filter(recipient=reviewer).order_by("id")[:2]
    Notification.objects.filter(pk__in=[n.pk for n in oldest]).update(read_at=timezone.now())
    for viewport, suffix in ((VIEWPORT, ""), ({"width": 390, "height": 844}, "-390")):
        page.set_viewport_size(viewport)
        login(page, live_server, reviewer)
        page.goto(f"{live_server.url}/notifications/")
        expect(page.locator(".notification").first).to_be_visible()
        page.mouse.move(0, 0)
        page.screenshot(path=SCREENSHOTS / f"notifications{suffix}.png", full_page=True)
        page.context.clear_cookies()
    assert console_errors == []


@pytest.mark.screenshot
def test_screenshots_public_factchecks(
    page: Page, live_server, console_errors, reviewer, reviewer2, editor, seed_article
):
    """The public index and a public fact-check page, as an anonymous reader sees them, wide and on a phone."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    seed_article.publisher = "Tech blog (demo corpus)"
    seed_article.save()
    create_demo_verdicts(article=seed_article, reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    for suffix, viewport in (("", VIEWPORT), ("-phone", {"width": 390, "height": 844})):
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}/factchecks/")
        expect(page.locator(".factcheck-entry")).to_have_count(1)
        page.screenshot(path=SCREENSHOTS / f"factchecks-index{suffix}.png", full_page=True)
        page.goto(f"{live_server.url}/factchecks/{seed_article.pk}/")
        expect(page.locator(".public-verdict")).to_have_count(2)
        page.screenshot(path=SCREENSHOTS / f"factcheck-page{suffix}.png", full_page=True)
    assert console_errors == []


@pytest.mark.screenshot
def test_screenshots_urdu_interface(page: Page, live_server, login, console_errors, reviewer, reviewer2, editor):
    """The interface in Urdu (issue 20): the Urdu demo article with the verdict panel, the article
    list and the editor's queue, mirrored, at both widths."""
    from annotations.demo import create_urdu_demo_article
    from annotations.models import LanguagePreference

    article = create_urdu_demo_article(reviewer=reviewer, reviewer2=reviewer2, editor=editor)
    LanguagePreference.objects.create(user=reviewer, language="ur")
    LanguagePreference.objects.create(user=editor, language="ur")
    login_page = page.context.new_page()
    for width, height, suffix in ((1440, 1000, ""), (390, 844, "-390")):
        login_page.set_viewport_size({"width": width, "height": height})
        login_page.goto(f"{live_server.url}/accounts/login/")
        login_page.select_option("#language-select", "ur")
        login_page.locator(".language-switcher button").click()
        expect(login_page.locator("html")).to_have_attribute("dir", "rtl")
        login_page.screenshot(path=SCREENSHOTS / f"urdu-login{suffix}.png", full_page=True)
    login_page.close()

    from tests.factories import PASSWORD

    def log_in(user) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", user.get_username())
        page.fill("#id_password", PASSWORD)
        page.locator("#main form button[type=submit]").click()
        page.wait_for_url(f"{live_server.url}/")

    log_in(reviewer)
    for width, height, suffix in ((1440, 1000, ""), (390, 844, "-390")):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/articles/{article.pk}/")
        page.locator('#article-body .sentence[data-index="3"]').click()
        expect(page.locator("#verdict-form")).to_be_visible()
        page.evaluate("document.fonts.ready")
        page.screenshot(path=SCREENSHOTS / f"urdu-interface-reader{suffix}.png", full_page=True)
        page.goto(f"{live_server.url}/")
        page.screenshot(path=SCREENSHOTS / f"urdu-interface-articles{suffix}.png", full_page=True)
    page.locator(".site-user button").click()  # log out
    log_in(editor)
    for width, height, suffix in ((1440, 1000, ""), (390, 844, "-390")):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/review/")
        expect(page.locator("#queue .queue-item").first).to_be_visible()
        page.screenshot(path=SCREENSHOTS / f"urdu-interface-queue{suffix}.png", full_page=True)
    assert console_errors == []
