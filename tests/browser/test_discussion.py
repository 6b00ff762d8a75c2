"""A verdict's discussion in Chromium: the reviewer asks the editor on their submitted verdict, the
editor reads the thread and replies, then returns the verdict with a comment, which the thread shows
in its place: the conversation reads in one place."""

from playwright.sync_api import Page, expect

from annotations import services
from annotations.models import Annotation, Comment
from tests.conftest import sentence_span


def test_reviewer_and_editor_discuss_a_verdict_and_the_return_joins_the_thread(
    page: Page, live_server, login, console_errors, new_context, reviewer, editor, seed_article
):
    draft = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 5)
    )
    verdict = services.annotation_submit(annotation=draft, actor=reviewer, version=draft.version)

    # The reviewer asks on their submitted verdict's card, two lines and a mention.
    login(page, live_server, reviewer)
    page.goto(f"{live_server.url}{seed_article.get_absolute_url()}")
    card = page.locator(f"#annotation-{verdict.pk}")
    box = card.locator(".discussion-box")
    expect(box.locator("summary")).to_have_text("Discussion (0)")
    box.locator("summary").click()
    expect(box.locator(".thread-empty")).to_have_text("No comments yet.")
    field = box.locator(f"#comment-body-{verdict.pk}")
    field.fill("Is the filing date right, @editor?\nThe docket says <March>.")
    box.get_by_role("button", name="Comment", exact=True).click()
    expect(box.locator(".thread-item")).to_have_count(1)
    body = box.locator(".thread-body").first
    expect(body.locator(".mention")).to_have_text("@editor")
    assert body.inner_html() == (
        'Is the filing date right, <strong class="mention">@editor</strong>?<br>The docket says &lt;March&gt;.'
    )
    expect(box.locator("summary")).to_have_text("Discussion (1)")
    expect(field).to_have_value("")
    assert list(Comment.objects.get().mentions.values_list("username", flat=True)) == ["editor"]

    # The editor reads the thread on the same card and replies.
    desk = new_context().new_page()
    login(desk, live_server, editor)
    desk.goto(f"{live_server.url}{seed_article.get_absolute_url()}")
    editor_box = desk.locator(f"#annotation-{verdict.pk} .discussion-box")
    expect(editor_box.locator("summary")).to_have_text("Discussion (1)")
    editor_box.locator("summary").click()
    expect(editor_box.locator(".thread-item .thread-head strong")).to_have_text(["reviewer"])
    editor_box.locator(f"#comment-body-{verdict.pk}").fill("It is: 3 March. Cite the docket itself.")
    editor_box.get_by_role("button", name="Comment", exact=True).click()
    expect(editor_box.locator(".thread-item")).to_have_count(2)

    # The editor returns it with a comment; the thread shows the decision in its place.
    desk_card = desk.locator(f"#annotation-{verdict.pk}")
    desk_card.locator(f"#review-comment-{verdict.pk}").fill("Add the docket as a source.")
    desk_card.get_by_role("button", name="Return for changes").click()
    desk_card = desk.locator(f"#annotation-{verdict.pk}")
    expect(desk_card).to_have_attribute("data-state", "changes_requested")
    expect(desk_card.locator(".discussion-box summary")).to_have_text("Discussion (3)")

    page.reload()
    card = page.locator(f"#annotation-{verdict.pk}")
    card.locator(".discussion-box summary").click()
    items = card.locator(".thread-item")
    expect(items).to_have_count(3)
    expect(items.locator(".thread-body")).to_have_text(
        [
            "Is the filing date right, @editor?The docket says <March>.",
            "It is: 3 March. Cite the docket itself.",
            "Add the docket as a source.",
        ]
    )
    expect(items.nth(2)).to_have_class("thread-item thread-review")
    expect(items.nth(2).locator(".thread-action")).to_have_text("returned for changes")
    assert Annotation.objects.values_list("state", "version").get(pk=verdict.pk) == ("changes_requested", 3)
    assert console_errors == []
