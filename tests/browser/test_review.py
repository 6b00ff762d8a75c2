"""The review workflow in Chromium: submit, approve, return and resubmit, four eyes, conflicts, history.

Two people work at once in two browser contexts (two sets of cookies). Every flow checks what the page
shows and what the database stored: state, status, version and the AnnotationEvent rows.
"""

from collections.abc import Callable

from django.utils import dateformat, timezone
from playwright.sync_api import BrowserContext, ConsoleMessage, Error, Page, expect
import pytest

from annotations import roles, services
from annotations.models import Annotation, AnnotationEvent, Article
from tests.browser.conftest import CSP_LISTENER, TIMEOUT_MS
from tests.conftest import SEED_TITLE, sentence_span
from tests.factories import UserFactory

FOUR_EYES = "You cannot approve your own verdict: another editor must review it."
SELF_APPROVAL_REFUSED = "You cannot approve your own verdict: another editor must review it."
RELOAD_HINT = "Reload to see the current version before you act on it."


@pytest.fixture
def open_page(new_context: Callable[..., BrowserContext], console_errors: list[str]) -> Callable[[], Page]:
    """`open_page()`: a page in a new browser context, for a second person.

    Its console errors, uncaught exceptions and CSP violations go to the same `console_errors` list as
    those of the first page.
    """

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location
            console_errors.append(f"console: {message.text} ({location.get('url')}:{location.get('lineNumber')})")

    def on_page_error(error: Error) -> None:
        console_errors.append(f"pageerror: {error.message}")

    def _open() -> Page:
        context = new_context()
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        context.expose_function("__factcheckCspViolation", lambda text: console_errors.append(f"csp: {text}"))
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        page.on("console", on_console)
        page.on("pageerror", on_page_error)
        return page

    return _open


def open_article(page: Page, live_server, article: Article) -> None:
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    expect(page.locator("#article-title")).to_have_text(article.title)


def open_queue(page: Page, live_server, *, waiting: int) -> None:
    page.goto(f"{live_server.url}/review/")
    expect(page.locator("main h1")).to_have_text("Review queue")
    expect(page.locator("#review-waiting")).to_have_text(str(waiting))
    expect(page.locator("#queue-count")).to_have_text(f"{waiting} waiting")


def submitted(article: Article, author, index: int, *, note: str = "") -> Annotation:
    """An `alleged` verdict on sentence `index`, created and submitted by `author` (version 2)."""
    draft = services.annotation_create(
        article=article, author=author, status="alleged", note=note, **sentence_span(article, index)
    )
    return services.annotation_submit(annotation=draft, actor=author, version=draft.version)


def stored(annotation: Annotation) -> tuple[str, str, int]:
    return Annotation.objects.values_list("state", "status", "version").get(pk=annotation.pk)


def events_of(annotation: Annotation) -> list[tuple[str, str, str, str, str]]:
    """(action, actor, from_state, to_state, comment) of every event, oldest first."""
    return list(
        AnnotationEvent.objects.filter(annotation_id=annotation.pk)
        .order_by("at", "id")
        .values_list("action", "actor__username", "from_state", "to_state", "comment")
    )


def failed_load(live_server, path: str, status: str) -> str:
    """The console error Chromium itself logs for a request answered with a 4xx status."""
    return (
        f"console: Failed to load resource: the server responded with a status of {status} ({live_server.url}{path}:0)"
    )


def conflict_message(annotation: Annotation, *, by: str, now: str) -> str:
    """The 409 text, with the time of the latest event as the server formats it (TIME_ZONE)."""
    latest = AnnotationEvent.objects.filter(annotation_id=annotation.pk).order_by("-at", "-id").first()
    return f"This verdict was changed by {by} at {timezone.localtime(latest.at):%H:%M:%S} ({now}). {RELOAD_HINT}"


# 1 -------------------------------------------------------------------------------------------------


def test_submit_on_card_then_approve_in_queue_moves_focus_and_author_sees_approved(
    page: Page, live_server, login, console_errors, open_page, reviewer, reviewer2, editor, seed_article
):
    span = sentence_span(seed_article, 1)
    quote = span["quote"]
    draft = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", note="The headline asks it.", **span
    )

    # Reviewer, context A: submit the draft from its card.
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    card = page.locator(f"#annotation-{draft.pk}")
    expect(card).to_have_attribute("data-state", "draft")
    expect(card.locator(".state-badge")).to_have_text("Draft")
    card.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#editor .saved-message")).to_have_text("Submitted for review.")
    expect(card).to_have_attribute("data-state", "submitted")
    expect(card.locator(".state-badge")).to_have_text("Submitted")
    expect(card.get_by_role("button", name="Submit for review")).to_have_count(0)
    assert stored(draft) == ("submitted", "alleged", 2)
    assert [event[0] for event in events_of(draft)] == ["create", "submit"]

    # Submitted later, so it waits behind the first one.
    later = submitted(seed_article, reviewer2, 2)

    # Editor, context B: the queue, oldest submission first.
    desk = open_page()
    login(desk, live_server, editor)
    open_queue(desk, live_server, waiting=2)
    items = desk.locator("#queue .queue-item")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_have_id(f"queue-item-{draft.pk}")
    expect(items.nth(1)).to_have_id(f"queue-item-{later.pk}")
    item = desk.locator(f"#queue-item-{draft.pk}")
    expect(item.locator(".queue-context mark")).to_have_text(quote)
    expect(item.locator(".card-note")).to_have_text("The headline asks it.")

    item.get_by_role("button", name="Approve").click()

    expect(item.locator(".queue-done")).to_have_text(f"Approved. “{quote}” — now approved, alleged.")
    expect(item).to_contain_class("is-done")
    expect(desk.locator("#review-waiting")).to_have_text("1")
    expect(desk.locator("#review-waiting")).to_have_attribute("aria-label", "1 waiting")
    expect(desk.locator("#queue-count")).to_have_text("1 waiting")
    expect(desk.locator(f"#review-status-{later.pk}")).to_be_focused()

    approved = Annotation.objects.get(pk=draft.pk)
    assert (approved.state, approved.status, approved.version) == ("approved", "alleged", 3)
    assert (approved.reviewed_by, approved.review_comment) == (editor, "")
    assert approved.first_approved_at is not None
    assert events_of(draft) == [
        ("create", "reviewer", "", "draft", ""),
        ("submit", "reviewer", "draft", "submitted", ""),
        ("approve", "editor", "submitted", "approved", ""),
    ]
    assert stored(later) == ("submitted", "alleged", 2)

    # Back in context A: after a reload the author sees the decision.
    page.reload()
    expect(card).to_have_attribute("data-state", "approved")
    expect(card.locator(".state-badge")).to_have_text("Approved")
    expect(card.locator(".card-actions form, .card-actions a")).to_have_count(0)
    expect(card.locator(".card-foot")).to_have_text("reviewer · approved by editor just now")

    assert console_errors == []


# 2 -------------------------------------------------------------------------------------------------


def test_returned_verdict_is_listed_in_mine_then_edited_and_resubmitted(
    page: Page, live_server, login, console_errors, open_page, reviewer, editor, seed_article
):
    quote = sentence_span(seed_article, 5)["quote"]
    annotation = submitted(seed_article, reviewer, 5, note="Filed in Santa Ana.")
    comment = "Link the complaint itself, not a report about it."
    new_note = "Filed in Santa Ana; the docket is on CourtListener."

    # Editor, context A: return it with a comment from the queue.
    login(page, live_server, editor)
    open_queue(page, live_server, waiting=1)
    item = page.locator(f"#queue-item-{annotation.pk}")
    item.get_by_label("Comment").fill(comment)
    item.get_by_role("button", name="Return for changes").click()
    expect(item.locator(".queue-done")).to_have_text(
        f"Returned to the author for changes. “{quote}” — now changes requested, alleged."
    )
    expect(page.locator("#review-waiting")).to_have_text("0")
    expect(page.locator("#queue-count")).to_have_text("0 waiting")
    assert stored(annotation) == ("changes_requested", "alleged", 3)

    # Reviewer, context B: My verdicts lists it under "Returned for changes", with the comment.
    desk = open_page()
    login(desk, live_server, reviewer)
    desk.get_by_role("link", name="My verdicts").click()
    expect(desk.locator("main h1")).to_have_text("My verdicts")
    returned = desk.locator("#mine-changes_requested")
    expect(returned.locator("h2")).to_have_text("Returned for changes 1")
    mine = returned.locator(f"#mine-item-{annotation.pk}")
    expect(mine.locator(".card-quote")).to_have_text(quote)
    expect(mine.locator(".review-comment")).to_have_text(f"editor asked for changes: {comment}")
    for other in ("draft", "submitted", "approved"):
        expect(desk.locator(f"#mine-{other} .mine-item")).to_have_count(0)

    # The article, at the card: edit the note, save, resubmit.
    mine.get_by_role("link", name=SEED_TITLE).click()
    expect(desk).to_have_url(f"{live_server.url}/articles/{seed_article.pk}/#annotation-{annotation.pk}")
    card = desk.locator(f"#annotation-{annotation.pk}")
    expect(card.locator(".state-badge")).to_have_text("Changes requested")
    expect(card.locator(".review-comment")).to_have_text(f"editor asked for changes: {comment}")
    card.get_by_role("link", name="Edit").click()
    expect(desk.locator("#verdict-form h2")).to_have_text("Edit verdict")
    expect(desk.locator("#id_note")).to_have_value("Filed in Santa Ana.")
    desk.locator("#id_note").fill(new_note)
    desk.get_by_role("button", name="Save changes").click()
    expect(desk.locator("#editor .saved-message")).to_have_text("Verdict updated.")
    expect(card.locator(".card-note")).to_have_text(new_note)
    expect(card.locator(".state-badge")).to_have_text("Changes requested")
    assert stored(annotation) == ("changes_requested", "alleged", 4)

    card.get_by_role("button", name="Resubmit").click()
    expect(desk.locator("#editor .saved-message")).to_have_text("Submitted for review.")
    expect(card).to_have_attribute("data-state", "submitted")
    expect(card.locator(".state-badge")).to_have_text("Submitted")
    expect(card.get_by_role("button", name="Resubmit")).to_have_count(0)

    resubmitted = Annotation.objects.get(pk=annotation.pk)
    assert (resubmitted.state, resubmitted.status, resubmitted.version) == ("submitted", "alleged", 5)
    assert resubmitted.note == new_note
    assert events_of(annotation) == [
        ("create", "reviewer", "", "draft", ""),
        ("submit", "reviewer", "draft", "submitted", ""),
        ("request_changes", "editor", "submitted", "changes_requested", comment),
        ("edit", "reviewer", "changes_requested", "changes_requested", ""),
        ("submit", "reviewer", "changes_requested", "submitted", ""),
    ]
    edit = AnnotationEvent.objects.get(annotation_id=annotation.pk, action="edit")
    assert edit.changes == [{"field": "note", "old": "Filed in Santa Ana.", "new": new_note}]

    assert console_errors == []


# 3 -------------------------------------------------------------------------------------------------


def test_return_without_comment_is_refused_in_the_item_and_changes_nothing(
    page: Page, live_server, login, console_errors, reviewer, editor, seed_article
):
    annotation = submitted(seed_article, reviewer, 11)
    login(page, live_server, editor)
    open_queue(page, live_server, waiting=1)
    item = page.locator(f"#queue-item-{annotation.pk}")

    item.get_by_role("button", name="Return for changes").click()

    comment = item.get_by_label("Comment")
    expect(comment).to_have_accessible_description("Tell the author what to change.")
    expect(item.locator(f"#review-comment-error-{annotation.pk}")).to_have_text("Tell the author what to change.")
    expect(comment).to_be_focused()
    expect(item.locator(".queue-done")).to_have_count(0)
    expect(item.get_by_role("button", name="Approve")).to_be_visible()
    expect(comment).to_have_value("")
    expect(page.locator("#review-waiting")).to_have_text("1")
    expect(page.locator("#queue-count")).to_have_text("1 waiting")

    unchanged = Annotation.objects.get(pk=annotation.pk)
    assert (unchanged.state, unchanged.status, unchanged.version) == ("submitted", "alleged", 2)
    assert (unchanged.reviewed_by, unchanged.review_comment) == (None, "")
    assert [event[0] for event in events_of(annotation)] == ["create", "submit"]
    assert console_errors == [
        failed_load(live_server, f"/annotations/{annotation.pk}/request-changes/", "400 (Bad Request)")
    ]


# 4 -------------------------------------------------------------------------------------------------


def test_editor_cannot_approve_own_verdict_on_card_or_in_queue(
    page: Page, live_server, login, console_errors, reviewer, editor, seed_article
):
    own = submitted(seed_article, editor, 21)
    other = submitted(seed_article, reviewer, 23)
    login(page, live_server, editor)

    open_article(page, live_server, seed_article)
    own_card = page.locator(f"#annotation-{own.pk}")
    expect(own_card.locator(".state-badge")).to_have_text("Submitted")
    expect(own_card.locator(".four-eyes")).to_have_text(FOUR_EYES)
    expect(own_card.get_by_role("button", name="Approve")).to_have_count(0)
    expect(own_card.get_by_role("button", name="Return for changes")).to_have_count(0)
    expect(own_card.locator(".review-box")).to_have_count(0)
    # Someone else's verdict on the same page does get the controls.
    other_card = page.locator(f"#annotation-{other.pk}")
    expect(other_card.locator(".four-eyes")).to_have_count(0)
    expect(other_card.get_by_role("button", name="Approve")).to_have_count(1)

    open_queue(page, live_server, waiting=2)
    own_item = page.locator(f"#queue-item-{own.pk}")
    expect(own_item.locator(".four-eyes")).to_have_text(FOUR_EYES)
    expect(own_item.get_by_role("button", name="Approve")).to_have_count(0)
    expect(own_item.locator(".review-box")).to_have_count(0)
    expect(page.locator(f"#queue-item-{other.pk}").get_by_role("button", name="Approve")).to_have_count(1)

    # A hand-made approve request, sent the way the queue sends it (htmx, CSRF header from <body>).
    approve_path = f"/annotations/{own.pk}/approve/"
    page.evaluate(
        """([url, target, version]) => htmx.ajax("POST", url, {
             target, swap: "outerHTML", values: {version, from: "queue"},
           })""",
        [approve_path, f"#queue-item-{own.pk}", str(own.version)],
    )
    expect(own_item.locator(".card-error")).to_have_text(SELF_APPROVAL_REFUSED)
    expect(own_item.locator(".four-eyes")).to_have_text(FOUR_EYES)
    expect(own_item.get_by_role("button", name="Approve")).to_have_count(0)
    expect(page.locator("#review-waiting")).to_have_text("2")

    unchanged = Annotation.objects.get(pk=own.pk)
    assert (unchanged.state, unchanged.status, unchanged.version, unchanged.reviewed_by) == (
        "submitted",
        "alleged",
        2,
        None,
    )
    assert [event[0] for event in events_of(own)] == ["create", "submit"]
    assert console_errors == [failed_load(live_server, approve_path, "403 (Forbidden)")]


# 5 -------------------------------------------------------------------------------------------------


def test_two_editors_in_the_queue_the_later_decision_gets_a_conflict(
    page: Page, live_server, login, console_errors, open_page, reviewer, editor, seed_article
):
    editor2 = UserFactory(username="editor2", groups=[roles.EDITORS_GROUP])
    annotation = submitted(seed_article, reviewer, 3)

    login(page, live_server, editor)
    open_queue(page, live_server, waiting=1)
    desk = open_page()
    login(desk, live_server, editor2)
    open_queue(desk, live_server, waiting=1)
    first = page.locator(f"#queue-item-{annotation.pk}")
    stale = desk.locator(f"#queue-item-{annotation.pk}")
    expect(stale.get_by_role("button", name="Return for changes")).to_be_visible()

    first.get_by_role("button", name="Approve").click()
    expect(first.locator(".queue-done")).to_contain_text("Approved.")
    assert stored(annotation) == ("approved", "alleged", 3)

    stale.get_by_label("Comment").fill("Needs a second source.")
    stale.get_by_role("button", name="Return for changes").click()

    message = conflict_message(annotation, by="editor", now="now version 3, approved, alleged")
    expect(stale.locator(".card-error")).to_have_text(message)
    expect(stale.locator(".queue-done")).to_have_count(0)

    current = Annotation.objects.get(pk=annotation.pk)
    assert (current.state, current.status, current.version) == ("approved", "alleged", 3)
    assert (current.reviewed_by, current.review_comment) == (editor, "")
    decisions = [event for event in events_of(annotation) if event[0] in {"approve", "request_changes"}]
    assert decisions == [("approve", "editor", "submitted", "approved", "")]
    assert [event[0] for event in events_of(annotation)] == ["create", "submit", "approve"]
    assert console_errors == [
        failed_load(live_server, f"/annotations/{annotation.pk}/request-changes/", "409 (Conflict)")
    ]


def test_two_editors_on_the_article_page_the_stale_card_shows_the_conflict_and_the_current_state(
    page: Page, live_server, login, console_errors, open_page, reviewer, editor, seed_article
):
    editor2 = UserFactory(username="editor2", groups=[roles.EDITORS_GROUP])
    annotation = submitted(seed_article, reviewer, 2)

    login(page, live_server, editor)
    open_article(page, live_server, seed_article)
    desk = open_page()
    login(desk, live_server, editor2)
    open_article(desk, live_server, seed_article)
    stale = desk.locator(f"#annotation-{annotation.pk}")
    expect(stale.locator(".state-badge")).to_have_text("Submitted")

    card = page.locator(f"#annotation-{annotation.pk}")
    card.get_by_role("button", name="Approve").click()
    expect(page.locator("#editor .saved-message")).to_have_text("Approved.")
    expect(card.locator(".state-badge")).to_have_text("Approved")

    stale.get_by_label("Comment").fill("Needs a second source.")
    stale.get_by_role("button", name="Return for changes").click()

    message = conflict_message(annotation, by="editor", now="now version 3, approved, alleged")
    expect(stale.locator(".card-error")).to_have_text(message)
    # The card was swapped for the current one: approved, so no review controls any more.
    expect(stale).to_have_attribute("data-state", "approved")
    expect(stale).to_have_attribute("data-version", "3")
    expect(stale.locator(".state-badge")).to_have_text("Approved")
    expect(stale.locator(".review-box")).to_have_count(0)
    expect(stale.locator(".reopen-box summary")).to_have_text("Reopen…")
    expect(desk.locator(f"#annotation-{annotation.pk}")).to_have_count(1)

    assert stored(annotation) == ("approved", "alleged", 3)
    decisions = [event for event in events_of(annotation) if event[0] in {"approve", "request_changes"}]
    assert decisions == [("approve", "editor", "submitted", "approved", "")]
    assert console_errors == [
        failed_load(live_server, f"/annotations/{annotation.pk}/request-changes/", "409 (Conflict)")
    ]


def test_author_saving_a_stale_edit_form_gets_a_conflict_and_nothing_is_overwritten(
    page: Page, live_server, login, console_errors, reviewer, editor, seed_article
):
    annotation = submitted(seed_article, reviewer, 23, note="Reader question.")
    annotation = services.annotation_request_changes(
        annotation=annotation, editor=editor, version=annotation.version, comment="Say who asks it."
    )
    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    card = page.locator(f"#annotation-{annotation.pk}")
    card.get_by_role("link", name="Edit").click()
    expect(page.locator("#verdict-form h2")).to_have_text("Edit verdict")
    expect(page.locator("#verdict-form input[name=version]")).to_have_value("3")

    # Meanwhile the editor fixes the note (editors may edit any verdict).
    services.annotation_update(
        annotation=annotation, actor=editor, version=3, status="alleged", note="A question to readers, not a claim."
    )

    page.locator("#id_note").fill("Asked by the site itself.")
    page.get_by_role("button", name="Save changes").click()

    message = conflict_message(annotation, by="editor", now="now version 4, changes requested, alleged")
    expect(page.locator("#verdict-form .form-errors")).to_have_text(message)
    # The author's text is still in the form, so it is not lost.
    expect(page.locator("#id_note")).to_have_value("Asked by the site itself.")
    expect(card.locator(".card-note")).to_have_text("Reader question.")

    current = Annotation.objects.get(pk=annotation.pk)
    assert (current.state, current.status, current.version) == ("changes_requested", "alleged", 4)
    assert current.note == "A question to readers, not a claim."
    assert [(event[0], event[1]) for event in events_of(annotation) if event[0] == "edit"] == [("edit", "editor")]
    assert console_errors == [failed_load(live_server, f"/annotations/{annotation.pk}/edit/", "409 (Conflict)")]


# 6 -------------------------------------------------------------------------------------------------


def test_history_lists_every_event_in_order(
    page: Page, live_server, login, console_errors, reviewer, editor, seed_article
):
    annotation = submitted(seed_article, reviewer, 24, note="First note.")
    annotation = services.annotation_request_changes(
        annotation=annotation, editor=editor, version=2, comment="Say what the comments showed."
    )
    annotation = services.annotation_update(
        annotation=annotation, actor=reviewer, version=3, status="unverified", note="Second note."
    )
    annotation = services.annotation_submit(annotation=annotation, actor=reviewer, version=4)
    annotation = services.annotation_approve(annotation=annotation, editor=editor, version=5, comment="Fine now.")
    events = list(AnnotationEvent.objects.filter(annotation_id=annotation.pk).order_by("at", "id"))

    login(page, live_server, reviewer)
    open_article(page, live_server, seed_article)
    card = page.locator(f"#annotation-{annotation.pk}")
    expect(card.locator(".review-comment")).to_have_text("editor approved: Fine now.")
    history = card.locator(".history-box")
    history.locator("summary").click()

    timeline = history.locator(".timeline-event")
    expect(timeline).to_have_count(6)
    stamps = [dateformat.format(timezone.localtime(event.at), "j M Y, H:i:s") for event in events]
    expect(timeline.locator(".timeline-head")).to_have_text(
        [
            f"Created by reviewer {stamps[0]}",
            f"Submitted by reviewer {stamps[1]}",
            f"Returned for changes by editor {stamps[2]}",
            f"Edited by reviewer {stamps[3]}",
            f"Submitted by reviewer {stamps[4]}",
            f"Approved by editor {stamps[5]}",
        ]
    )
    expect(timeline.locator(".timeline-change")).to_have_text(
        [
            "Draft · Alleged",
            "Draft → Submitted",
            "Submitted → Changes requested",
            "· Alleged → Unverified",
            "Changes requested → Submitted",
            "Submitted → Approved",
        ]
    )
    expect(timeline.nth(2).locator(".timeline-comment")).to_have_text("Say what the comments showed.")
    expect(timeline.nth(5).locator(".timeline-comment")).to_have_text("Fine now.")
    expect(history.locator(".timeline-comment")).to_have_count(2)
    fields = timeline.nth(3).locator(".timeline-fields li")
    expect(fields).to_have_count(2)
    assert fields.all_inner_texts() == ["status: alleged → unverified", "note: First note. → Second note."]
    # Loaded in place: the page did not navigate to the history page.
    expect(page).to_have_url(f"{live_server.url}/articles/{seed_article.pk}/")
    expect(history.locator(".timeline-slot > a")).to_have_count(0)

    assert [event.action for event in events] == ["create", "submit", "request_changes", "edit", "submit", "approve"]
    assert console_errors == []


def test_a_reopened_card_names_who_reopened_it_and_times_read_just_now(
    page: Page, live_server, login, console_errors, reviewer, editor, seed_article
):
    """Issue 15: the card of a reopened verdict names the editor who reopened it and when (not its
    author with the reopen time), and a fresh time reads "just now", not "0 minutes ago"."""
    waiting = submitted(seed_article, reviewer, 4)
    approved = services.annotation_approve(annotation=waiting, editor=editor, version=waiting.version)
    login(page, live_server, editor)
    open_article(page, live_server, seed_article)
    card = page.locator(f"#annotation-{approved.pk}")
    expect(card.locator(".card-foot")).to_have_text("reviewer · approved by editor just now")

    card.locator(".reopen-box summary").click()
    card.get_by_label("Why reopen it?").fill("A new filing contradicts the complaint.")
    card.get_by_role("button", name="Reopen").click()
    expect(card.locator(".state-badge")).to_have_text("Submitted")
    expect(card.locator(".card-foot")).to_have_text("reviewer · reopened by editor just now")

    open_queue(page, live_server, waiting=1)
    expect(page.locator(f"#queue-item-{approved.pk} .queue-meta .muted")).to_have_text(
        "by reviewer · submitted just now"
    )
    assert stored(approved) == ("submitted", "alleged", 4)
    assert events_of(approved)[-1] == (
        "reopen",
        "editor",
        "approved",
        "submitted",
        "A new filing contradicts the complaint.",
    )
    assert console_errors == []
