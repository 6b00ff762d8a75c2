"""A desk's day in Chromium: an editor assigns the demo article to `reviewer`; the reviewer finds it
under "Assigned to me", records and submits a verdict and asks the editor in its thread with a
mention; the editor sees the notification, follows it to the verdict's card, replies and returns the
verdict; the reviewer sees both notifications and the thread. The e-mails go out through the worker."""

from django.core import mail
from django.core.management import call_command
from django_tasks_db.management.commands import db_worker
from playwright.sync_api import Page, expect

from annotations import records
from annotations.models import Annotation, Notification


def test_assign_record_mention_reply_return_each_told_by_notifications(
    page: Page, live_server, login, console_errors, new_context, editor, reviewer, seed_article, monkeypatch
):
    # The editor assigns the demo article to reviewer.
    desk = new_context().new_page()
    login(desk, live_server, editor)
    desk.goto(f"{live_server.url}{seed_article.get_absolute_url()}")
    desk.locator("#assign-reviewer").select_option("reviewer")
    desk.locator("#assign-note").fill("Check the legal claims")
    desk.locator("#assignments").get_by_role("button", name="Assign").click()
    expect(desk.locator("#assignments .assignment-list li")).to_have_count(1)

    # The reviewer sees it first on the home page, and one unread notification.
    login(page, live_server, reviewer)
    expect(page.locator("#unread-notifications")).to_have_text("1 unread")
    mine = page.locator(".assigned-to-me")
    expect(mine.locator("li strong")).to_have_text(seed_article.title)
    mine.get_by_role("link", name=seed_article.title).click()

    # … records a verdict and submits it at once, then asks the editor in its thread.
    page.locator('#article-body .sentence[data-index="4"]').click()
    page.locator("#verdict-form label.status-option-alleged").click()
    page.fill("#id_claimant", "The lawsuit")
    page.get_by_role("button", name="Save and submit").click()
    expect(page.locator("#verdicts-title .count")).to_have_text("1")
    verdict = Annotation.objects.get()
    card = page.locator(f"#annotation-{verdict.pk}")
    expect(card).to_have_attribute("data-state", "submitted")
    box = card.locator(".discussion-box")
    box.locator("summary").click()
    box.locator(f"#comment-body-{verdict.pk}").fill("@editor is the lawsuit's date in the filing?")
    box.get_by_role("button", name="Comment", exact=True).click()
    expect(box.locator(".thread-item")).to_have_count(1)

    # The editor sees the mention, follows it to the verdict's card, replies and returns the verdict.
    desk.goto(f"{live_server.url}/")
    expect(desk.locator("#unread-notifications")).to_have_text("1 unread")
    desk.get_by_role("link", name="Notifications").click()
    mention = desk.locator(".notification.is-unread")
    expect(mention).to_have_count(1)
    expect(mention.locator(".notification-text a")).to_have_text(
        f"reviewer mentioned you on the verdict on “{records.quote_excerpt(verdict.quote)}”"
    )
    expect(mention.locator(".notification-said")).to_have_text("@editor is the lawsuit's date in the filing?")
    mention.locator(".notification-text a").click()
    desk_card = desk.locator(f"#annotation-{verdict.pk}")
    expect(desk_card).to_be_focused()
    expect(desk.locator("#unread-notifications")).to_have_count(0)  # read by following it
    desk_box = desk_card.locator(".discussion-box")
    desk_box.locator("summary").click()
    desk_box.locator(f"#comment-body-{verdict.pk}").fill("Yes: 3 March. Cite the docket.")
    desk_box.get_by_role("button", name="Comment", exact=True).click()
    expect(desk_box.locator(".thread-item")).to_have_count(2)
    desk_card.locator(f"#review-comment-{verdict.pk}").fill("Add the docket as a source.")
    desk_card.get_by_role("button", name="Return for changes").click()
    expect(desk.locator(f"#annotation-{verdict.pk}")).to_have_attribute("data-state", "changes_requested")

    # The reviewer: the reply and the return, with the assignment, on the notifications page.
    page.goto(f"{live_server.url}/notifications/")
    expect(page.locator("#unread-notifications")).to_have_text("3 unread")
    texts = page.locator(".notification-text a")
    quote = records.quote_excerpt(verdict.quote)
    expect(texts).to_have_text(
        [
            f"editor returned your verdict on “{quote}” for changes",
            f"editor commented on the verdict on “{quote}”",
            f"editor assigned you “{seed_article.title}”",
        ]
    )
    expect(page.locator(".notification-said")).to_have_text(
        ["Add the docket as a source.", "Yes: 3 March. Cite the docket.", "Check the legal claims"]
    )
    texts.first.click()
    card = page.locator(f"#annotation-{verdict.pk}")
    expect(card).to_be_focused()
    card.locator(".discussion-box summary").click()
    expect(card.locator(".thread-item .thread-body")).to_have_text(
        [
            "@editor is the lawsuit's date in the filing?",
            "Yes: 3 March. Cite the docket.",
            "Add the docket as a source.",
        ]
    )
    page.goto(f"{live_server.url}/notifications/")
    expect(page.locator("#unread-notifications")).to_have_text("2 unread")
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.locator("#unread-notifications")).to_have_count(0)
    assert Notification.objects.filter(read_at=None).count() == 0

    # The e-mails are sent by the worker, not by the requests.
    assert mail.outbox == []
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    assert sorted((message.to[0], message.subject.split(" on ")[0]) for message in mail.outbox) == [
        ("editor@example.org", "[factcheck] reviewer mentioned you"),
        ("reviewer@example.org", "[factcheck] editor assigned you “Huawei spying in Pakistan?”"),
        ("reviewer@example.org", "[factcheck] editor commented"),
        ("reviewer@example.org", "[factcheck] editor returned your verdict"),
    ]
    assert console_errors == []
