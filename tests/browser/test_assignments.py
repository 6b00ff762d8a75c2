"""Assignments in Chromium: an editor assigns the demo article on its page; the reviewer finds it first
under "Assigned to me", with its due date, note and progress; a refusal shows at its field."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from annotations.models import Assignment


def test_an_editor_assigns_the_article_and_the_reviewer_sees_it_first(
    page: Page, live_server, login, console_errors, new_context, editor, reviewer, outsider, seed_article
):
    login(page, live_server, editor)
    page.goto(f"{live_server.url}{seed_article.get_absolute_url()}")
    box = page.locator("#assignments")
    expect(box).to_contain_text("Nobody is assigned to this article.")

    # Not a reviewer: refused at the field, nothing stored.
    box.get_by_label("Reviewer").select_option("reviewer")
    page.evaluate("document.querySelector('#assign-reviewer').add(new Option('outsider', 'outsider', true, true))")
    box.get_by_role("button", name="Assign").click()
    expect(page.locator("#assign-reviewer-error")).to_have_text(
        "outsider is not a reviewer: only reviewers and editors can be assigned."
    )
    assert not Assignment.objects.exists()

    due = timezone.localdate() + timedelta(days=3)
    page.locator("#assign-reviewer").select_option("reviewer")
    page.locator("#assign-due").fill(due.isoformat())
    page.locator("#assign-note").fill("Check the legal claims")
    page.locator("#assignments").get_by_role("button", name="Assign").click()
    expect(page.locator("#assignments .assignment-list li")).to_have_count(1)
    expect(page.locator("#assignments .assignment-list")).to_contain_text("reviewer")
    expect(page.locator("#assignments .assignment-note")).to_have_text("Check the legal claims")
    stored = Assignment.objects.get()
    assert (stored.reviewer, stored.assigned_by, stored.due, stored.removed_at) == (reviewer, editor, due, None)

    other = new_context().new_page()
    login(other, live_server, reviewer)
    mine = other.locator(".assigned-to-me")
    expect(mine.locator("h2")).to_have_text("Assigned to me")
    expect(mine.locator("li strong")).to_have_text(seed_article.title)
    expect(mine).to_contain_text(f"Due {due.day} {due:%b %Y}")
    expect(mine).to_contain_text("Check the legal claims")
    total = seed_article.sentences.count()
    expect(mine.locator(".progress")).to_have_text(
        f"0 of {total} sentences have a verdict · 0 of yours submitted · 0 approved"
    )
    mine.get_by_role("link", name=seed_article.title).click()
    expect(other.locator("#article-title")).to_have_text(seed_article.title)
    expect(other.locator("#assignments form")).to_have_count(0)  # reviewers see who, editors change it

    page.locator("#assignments").get_by_role("button", name="Remove reviewer").click()
    expect(page.locator("#assignments")).to_contain_text("Nobody is assigned to this article.")
    assert Assignment.objects.get().removed_by == editor
    # The refusal's 400 is the only console line (Chromium logs every 4xx).
    assert console_errors == [
        f"console: Failed to load resource: the server responded with a status of 400 (Bad Request) "
        f"({live_server.url}/articles/{seed_article.pk}/assignments/:0)"
    ]
