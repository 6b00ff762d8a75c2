"""Issue 16 in Chromium: paste a corrected body for the demo article; the notice, the diff, a fuzzy
verdict back in the queue, an orphan in /orphans/ re-selected by its reviewer."""

from playwright.sync_api import Page, expect

from annotations.demo import create_demo_verdicts
from annotations.models import Annotation, Article, State
from tests.reanchoring_corpus import demo_correction


def test_correct_the_demo_article_and_resolve_the_orphan(
    page: Page, live_server, login, console_errors, reviewer, reviewer2, editor, seed_article, seed_text
):
    phrase, _, _, covert, _ = create_demo_verdicts(
        article=seed_article, reviewer=reviewer, reviewer2=reviewer2, editor=editor
    )
    login(page, live_server, editor)
    page.goto(f"{live_server.url}/articles/{seed_article.pk}/")
    page.get_by_role("link", name="Store a corrected version of this text").click()
    page.locator("#id_body").fill(demo_correction(seed_text))
    page.get_by_role("button", name="Store version 2").click()

    expect(page.locator(".messages")).to_contain_text(
        "Version 2 stored. Verdicts: 3 found unchanged, 1 moved to a close match, 1 orphaned."
    )
    notice = page.locator("#version-notice")
    expect(notice).to_contain_text("you are reading version 2.")
    expect(notice).to_contain_text("1 verdict could not be placed in this version")
    expect(page.locator(f"#annotation-{phrase.pk} .anchor-badge")).to_have_text("≈ moved to a close match")
    expect(page.locator(f"#annotation-{covert.pk}")).to_have_count(0)

    notice.get_by_role("link", name="Compare with version 1").click()
    expect(page.locator("#diff-summary")).to_contain_text("removed")
    expect(page.locator("#diff-body del").first).to_be_visible()
    expect(page.locator("#diff-body del", has_text="firm")).to_have_count(1)

    page.goto(f"{live_server.url}/review/")
    expect(page.locator(f"#queue-item-{phrase.pk}")).to_contain_text("telecom company stole")
    assert Annotation.objects.get(pk=phrase.pk).state == State.SUBMITTED

    page.context.clear_cookies()
    login(page, live_server, reviewer2)
    page.goto(f"{live_server.url}/orphans/")
    item = page.locator(f"#orphan-{covert.pk}")
    expect(item.locator("mark")).to_contain_text("US authorities claimed that Huawei can covertly access")
    item.get_by_label("Passage in version 2").fill("Washington has since placed the company on a trade blacklist")
    item.get_by_role("button", name="Place the verdict here").click()
    expect(page.locator(".messages")).to_contain_text("The verdict is placed in version 2.")
    expect(page.locator(".orphan-item")).to_have_count(0)

    article = Article.objects.get(pk=seed_article.pk)
    placed = Annotation.objects.get(pk=covert.pk)
    assert article.body[placed.start : placed.end] == placed.quote
    assert (placed.article_version, placed.anchor) == (2, "fuzzy")
    page.goto(f"{live_server.url}/articles/{seed_article.pk}/")
    expect(page.locator(f"#annotation-{covert.pk}")).to_be_visible()
    assert console_errors == []
