"""Notifications: who receives each kind (the author, not the actor; never anyone who may not see
the verdict; a draft's events only its author and the editors who acted on it), what each says,
the e-mail sent by the background task (the test outbox), preferences, retries, the due-date
reminder, and the page, the header count and the API that read them."""

from datetime import timedelta
from io import StringIO

from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
import pytest

from annotations import notifications, records, selectors, services, tasks
from annotations.models import EmailState, Notification, NotificationKind

from .conftest import api, client_for, sentence_span
from .factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def worker_keeps_the_test_connection(monkeypatch):
    """As in tests/test_imports.py: the worker must not close the connection holding the test's transaction."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def run_worker() -> None:
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)


@pytest.fixture
def draft(seed_article, reviewer):
    return services.annotation_create(
        article=seed_article,
        author=reviewer,
        status="alleged",
        claimant="The lawsuit",
        **sentence_span(seed_article, 1),
    )


@pytest.fixture
def submitted(draft, reviewer):
    return services.annotation_submit(annotation=draft, actor=reviewer, version=draft.version)


def inbox(user) -> list[tuple[str, str]]:
    """(kind, text) of the user's notifications, oldest first."""
    rows = selectors.notifications_of(user=user).order_by("id")
    return [(row.kind, records.notification_record(row)["text"]) for row in rows]


def kinds(user) -> list[str]:
    return [kind for kind, _ in inbox(user)]


def quote_of(annotation) -> str:
    return records.quote_excerpt(annotation.quote)


# --- Who receives what ----------------------------------------------------------------------------


def test_a_returned_verdict_tells_its_author_with_the_editors_words(submitted, reviewer, editor):
    services.annotation_request_changes(
        annotation=submitted, editor=editor, version=submitted.version, comment="Name the court."
    )
    assert inbox(reviewer) == [("returned", f"editor returned your verdict on “{quote_of(submitted)}” for changes")]
    assert inbox(editor) == []
    notification = Notification.objects.get()
    assert (notification.actor, notification.message, notification.annotation_id) == (
        editor,
        "Name the court.",
        submitted.pk,
    )


def test_approving_and_reopening_tell_the_author(submitted, reviewer, editor):
    approved = services.annotation_approve(annotation=submitted, editor=editor, version=submitted.version)
    services.annotation_reopen(annotation=approved, editor=editor, version=approved.version, comment="New filing.")
    assert kinds(reviewer) == ["approved", "reopened"]
    assert inbox(editor) == []


def test_an_editor_deciding_their_own_verdict_is_told_nothing(seed_article, editor, settings):
    settings.FACTCHECK_ALLOW_SELF_APPROVAL = True
    own = services.annotation_create_and_submit(
        article=seed_article, author=editor, status="alleged", claimant="X", **sentence_span(seed_article, 2)
    )
    services.annotation_approve(annotation=own, editor=editor, version=own.version)
    assert Notification.objects.count() == 0


def test_an_inactive_author_is_not_notified(submitted, reviewer, editor):
    reviewer.is_active = False
    reviewer.save()
    services.annotation_approve(annotation=submitted, editor=editor, version=submitted.version)
    assert Notification.objects.count() == 0


def test_a_comment_tells_the_author_and_those_who_took_part_but_not_its_writer(submitted, reviewer, reviewer2, editor):
    third = UserFactory(username="reviewer3", groups=["Reviewers"])
    services.comment_create(annotation=submitted, author=reviewer2, body="Which court?")
    assert kinds(reviewer) == ["comment"]
    services.comment_create(annotation=submitted, author=editor, body="The High Court.")
    assert kinds(reviewer) == ["comment", "comment"]
    assert kinds(reviewer2) == ["comment"]
    assert inbox(editor) == []
    assert inbox(third) == []  # a reviewer who never took part
    expected = f"editor commented on the verdict on “{quote_of(submitted)}”"
    assert inbox(reviewer2) == [("comment", expected)]


def test_a_mention_wins_over_a_comment_and_each_is_told_once(submitted, reviewer, reviewer2, editor):
    services.comment_create(annotation=submitted, author=reviewer2, body="First.")
    services.comment_create(annotation=submitted, author=editor, body="@reviewer2 @reviewer2 and @reviewer, look.")
    assert kinds(reviewer2) == ["mention"]
    assert kinds(reviewer) == ["comment", "mention"]
    assert inbox(reviewer2) == [("mention", f"editor mentioned you on the verdict on “{quote_of(submitted)}”")]


def test_a_mention_of_someone_who_cannot_read_the_thread_tells_nobody(submitted, reviewer, outsider):
    services.comment_create(annotation=submitted, author=reviewer, body="@outsider @nobody see this")
    assert Notification.objects.count() == 0


def test_a_drafts_events_reach_only_its_author_and_the_editors_who_acted_on_it(draft, reviewer, reviewer2, editor):
    second_editor = UserFactory(username="editor2", groups=["Editors"])
    services.comment_create(annotation=draft, author=reviewer, body="@editor @reviewer2 @editor2 is this ready?")
    assert Notification.objects.count() == 0  # nobody has acted on the draft yet
    services.comment_create(annotation=draft, author=editor, body="Not yet.")
    assert kinds(reviewer) == ["comment"]
    services.comment_create(annotation=draft, author=reviewer, body="@editor @editor2 now?")
    assert kinds(editor) == ["mention"]
    assert inbox(second_editor) == inbox(reviewer2) == []


def test_the_editor_who_returned_a_verdict_hears_the_authors_reply(submitted, reviewer, editor):
    services.annotation_request_changes(
        annotation=submitted, editor=editor, version=submitted.version, comment="Which court?"
    )
    services.comment_create(annotation=submitted, author=reviewer, body="The High Court, see the filing.")
    assert kinds(editor) == ["comment"]


def test_an_edit_that_adds_a_mention_tells_only_the_newly_named(submitted, reviewer, reviewer2, editor):
    written = services.comment_create(annotation=submitted, author=editor, body="@reviewer2 look")
    services.comment_edit(comment=written, actor=editor, body="@reviewer2 and @reviewer look")
    assert kinds(reviewer2) == ["mention"]
    assert kinds(reviewer) == ["comment", "mention"]


def test_an_assignment_tells_the_reviewer_not_an_editor_assigning_themselves(seed_article, reviewer, editor):
    services.assignment_create(article=seed_article, username="reviewer", editor=editor, note="Legal claims")
    services.assignment_create(article=seed_article, username="editor", editor=editor)
    assert inbox(reviewer) == [("assigned", "editor assigned you “Huawei spying in Pakistan?”")]
    assert inbox(editor) == []
    assert records.notification_record(Notification.objects.get())["said"] == "Legal claims"


# --- The due-date reminder ------------------------------------------------------------------------


def test_assignments_due_tomorrow_are_reminded_once(seed_article, reviewer, reviewer2, editor):
    today = timezone.localdate()
    other = ArticleFactory(title="Another story", body="One sentence. Two sentences.")
    services.assignment_create(article=seed_article, username="reviewer", editor=editor, due=today + timedelta(days=1))
    services.assignment_create(article=other, username="reviewer", editor=editor, due=today + timedelta(days=2))
    services.assignment_create(article=other, username="reviewer2", editor=editor, due=today + timedelta(days=1))
    services.assignment_remove(article=other, username="reviewer2", editor=editor)
    Notification.objects.all().delete()
    assert len(notifications.due_reminders(today=today)) == 1
    assert inbox(reviewer) == [("due", "“Huawei spying in Pakistan?” is due tomorrow")]
    assert notifications.due_reminders(today=today) == []  # a second run reminds nobody twice
    assert inbox(reviewer2) == []


def test_the_reminder_runs_in_the_worker_and_queues_the_next_day(
    seed_article, reviewer, editor, django_capture_on_commit_callbacks
):
    services.assignment_create(
        article=seed_article, username="reviewer", editor=editor, due=timezone.localdate() + timedelta(days=1)
    )
    said = [StringIO(), StringIO()]
    call_command("schedule_reminders", stdout=said[0])
    call_command("schedule_reminders", stdout=said[1])  # safe to run again
    assert [out.getvalue() for out in said] == [
        "Queued the due-date reminder: the worker runs it now, then daily.\n",
        "The due-date reminder is already queued.\n",
    ]
    path = tasks.remind_due_assignments.module_path
    assert DBTaskResult.objects.filter(task_path=path).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        run_worker()
    assert kinds(reviewer) == ["assigned", "due"]
    waiting = DBTaskResult.objects.filter(task_path=path, status="READY").get()
    assert waiting.run_after == tasks.next_reminder_run(timezone.now())
    assert timezone.localtime(waiting.run_after).hour == 8


# --- E-mail ---------------------------------------------------------------------------------------


def test_the_email_is_sent_by_the_worker_not_the_request(
    submitted, reviewer, editor, django_capture_on_commit_callbacks, settings
):
    settings.FACTCHECK_SITE_URL = "https://desk.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        services.annotation_request_changes(
            annotation=submitted, editor=editor, version=submitted.version, comment="Name the court.\nAnd the date."
        )
    assert mail.outbox == []  # queued, not sent in the request
    notification = Notification.objects.get()
    assert notification.email == EmailState.QUEUED
    run_worker()
    [message] = mail.outbox
    assert message.to == ["reviewer@example.org"]
    assert message.subject == f"[factcheck] editor returned your verdict on “{quote_of(submitted)}” for changes"
    assert "> Name the court.\n> And the date.\n" in message.body
    assert f"https://desk.example.org/notifications/{notification.pk}/" in message.body
    notification.refresh_from_db()
    assert (notification.email, notification.email_attempts) == (EmailState.SENT, 1)
    assert notification.emailed_at is not None


def test_an_email_choice_turned_off_sends_no_email_but_keeps_the_notification(
    submitted, reviewer, editor, django_capture_on_commit_callbacks
):
    notifications.email_choices_set(user=reviewer, wanted={"approved", "mention"})
    with django_capture_on_commit_callbacks(execute=True):
        services.annotation_request_changes(
            annotation=submitted, editor=editor, version=submitted.version, comment="No."
        )
    run_worker()
    assert mail.outbox == []
    assert [(n.kind, n.email) for n in Notification.objects.all()] == [("returned", EmailState.NONE)]
    assert DBTaskResult.objects.filter(task_path=tasks.email_notification.module_path).count() == 0


def test_no_email_without_an_address_nor_to_an_account_deactivated_before_sending(
    submitted, reviewer, reviewer2, editor, django_capture_on_commit_callbacks
):
    reviewer2.email = ""
    reviewer2.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(annotation=submitted, author=editor, body="@reviewer2 and @reviewer, see.")
    assert dict(Notification.objects.values_list("recipient__username", "email")) == {
        "reviewer": EmailState.QUEUED,
        "reviewer2": EmailState.NONE,
    }
    reviewer.is_active = False
    reviewer.save()
    run_worker()
    assert mail.outbox == []
    assert Notification.objects.get(recipient=reviewer).email == EmailState.NONE


def test_a_failed_email_is_retried_then_marked_failed_and_logged(
    submitted, reviewer, editor, django_capture_on_commit_callbacks, settings, caplog
):
    # A real SMTP backend pointed at a port where nothing listens: the connection is refused.
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    settings.FACTCHECK_EMAIL_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=True):
        services.annotation_approve(annotation=submitted, editor=editor, version=submitted.version)
    run_worker()
    notification = Notification.objects.get()
    notification.refresh_from_db()
    assert (notification.email, notification.email_attempts) == (EmailState.QUEUED, 1)
    results = DBTaskResult.objects.filter(task_path=tasks.email_notification.module_path)
    assert sorted(results.values_list("status", flat=True)) == ["FAILED", "READY"]
    retry = results.get(status="READY")
    assert retry.run_after > timezone.now() + timedelta(seconds=50)  # FACTCHECK_EMAIL_RETRY_SECONDS later
    results.filter(pk=retry.pk).update(run_after=timezone.now())
    run_worker()
    notification.refresh_from_db()
    assert (notification.email, notification.email_attempts) == (EmailState.FAILED, 2)
    assert results.filter(status="READY").count() == 0  # no more tries
    assert results.filter(status="FAILED").count() == 2
    assert "failed (attempt 2 of 2)" in caplog.text


# --- Reading them ---------------------------------------------------------------------------------


def test_the_header_counts_unread_in_one_indexed_query(submitted, reviewer, editor):
    services.annotation_approve(annotation=submitted, editor=editor, version=submitted.version)
    with CaptureQueriesContext(connection) as queries:
        assert selectors.unread_notification_count(user=reviewer) == 1
    assert len(queries) == 1
    sql = queries[0]["sql"]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}")
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "notification_unread" in plan
    page = client_for(reviewer).get(reverse("annotations:article-list")).content.decode()
    assert (
        '<span class="nav-count nav-count-unread" id="unread-notifications">1'
        '<span class="visually-hidden"> unread</span></span>' in page
    )


def test_following_a_notification_marks_it_read_and_lands_on_the_card(submitted, reviewer, editor, reviewer2):
    services.annotation_approve(annotation=submitted, editor=editor, version=submitted.version)
    notification = Notification.objects.get()
    assert (
        client_for(reviewer2).get(reverse("annotations:notification-open", args=[notification.pk])).status_code == 404
    )
    response = client_for(reviewer).get(reverse("annotations:notification-open", args=[notification.pk]))
    assert response["Location"] == f"{submitted.article.get_absolute_url()}#annotation-{submitted.pk}"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert selectors.unread_notification_count(user=reviewer) == 0


def test_the_page_lists_them_escaped_and_marks_all_read(submitted, reviewer, editor):
    services.annotation_request_changes(
        annotation=submitted, editor=editor, version=submitted.version, comment="<script>alert(1)</script>"
    )
    client = client_for(reviewer)
    page = client.get(reverse("annotations:notification-list")).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "returned your verdict on" in page and 'class="unread-badge"' in page
    response = client.post(reverse("annotations:notification-read"), {"all": "1"})
    assert response["Location"] == reverse("annotations:notification-list")
    assert selectors.unread_notification_count(user=reviewer) == 0
    assert "Nothing unread." in client.get(reverse("annotations:notification-list") + "?unread=1").content.decode()


def test_email_choices_are_kept_per_kind_and_unknown_kinds_refused(reviewer):
    client = client_for(reviewer)
    response = client.post(reverse("annotations:notification-email-choices"), {"email": ["returned", "mention"]})
    assert response.status_code == 302
    assert notifications.email_choices(user=reviewer) == {
        kind: kind in {"returned", "mention"} for kind in NotificationKind.values
    }
    refused = client.post(reverse("annotations:notification-email-choices"), {"email": ["returned", "<b>x</b>"]})
    assert refused.status_code == 400
    assert "Unknown kind: &lt;b&gt;x&lt;/b&gt;." in refused.content.decode()
    assert notifications.email_choices(user=reviewer)["approved"] is False  # unchanged


@pytest.mark.parametrize("extra", [1, 12])
def test_the_page_reads_a_fixed_number_of_queries(submitted, reviewer, editor, django_assert_num_queries, extra):
    for number in range(extra):
        services.comment_create(annotation=submitted, author=editor, body=f"Comment {number} @reviewer")
    client = client_for(reviewer)
    client.get(reverse("annotations:notification-list"))
    # session, user, groups, the count and the page of notifications, the e-mail choices, the unread count
    with django_assert_num_queries(7):
        assert client.get(reverse("annotations:notification-list")).status_code == 200


def test_the_api_lists_unread_and_marks_read(submitted, reviewer, reviewer2, editor):
    services.annotation_request_changes(annotation=submitted, editor=editor, version=submitted.version, comment="No.")
    services.comment_create(annotation=submitted, author=editor, body="See @reviewer2")
    client = api(reviewer)
    listed = client.get("/api/v1/notifications/?unread=1").json()
    assert [(item["kind"], item["actor"], item["said"]) for item in listed["results"]] == [
        ("comment", "editor", "See @reviewer2"),
        ("returned", "editor", "No."),
    ]
    first = listed["results"][0]
    assert first["url"] == f"{submitted.article.get_absolute_url()}#annotation-{submitted.pk}"
    theirs = Notification.objects.get(recipient=reviewer2).pk
    answer = client.post("/api/v1/notifications/read/", {"ids": [first["id"], theirs]}, format="json")
    assert answer.json() == {"marked": 1, "unread": 1}
    assert Notification.objects.get(pk=theirs).read_at is None  # not theirs to mark
    assert client.post("/api/v1/notifications/read/", {"all": True}, format="json").json() == {"marked": 1, "unread": 0}
    assert client.get("/api/v1/notifications/?unread=1").json()["results"] == []
    assert len(client.get("/api/v1/notifications/").json()["results"]) == 2


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, {"ids": ["Give a list of notification ids, or all: true."]}),
        ({"ids": [1], "all": True}, {"ids": ["Give ids or all: true, not both."]}),
        ({"ids": "1"}, {"ids": ['Expected a list of items but got type "str".']}),
        ({"ids": ["x"]}, {"ids": {"0": ["A valid integer is required."]}}),
        ({"ids": []}, {"ids": ["This list may not be empty."]}),
    ],
)
def test_marking_read_refuses_bad_input_with_the_fields_message(reviewer, payload, message):
    answer = api(reviewer).post("/api/v1/notifications/read/", payload, format="json")
    assert (answer.status_code, answer.json()) == (400, message)


def test_the_api_refuses_a_bad_unread_flag_and_strangers(reviewer):
    answer = api(reviewer).get("/api/v1/notifications/?unread=maybe")
    assert (answer.status_code, answer.json()) == (400, {"unread": ["Must be a valid boolean."]})
    for anonymous in (api().get("/api/v1/notifications/"), api().post("/api/v1/notifications/read/", {"all": True})):
        assert (anonymous.status_code, anonymous.json()) == (
            401,
            {"detail": "Authentication credentials were not provided."},
        )


def test_what_each_kind_contains(seed_article, submitted, reviewer, reviewer2, editor):
    """Every kind's record as the page, the API and the e-mail show it: the words, what was said
    with it, who caused it and where it leads."""
    today = timezone.localdate()
    services.assignment_create(
        article=seed_article, username="reviewer", editor=editor, due=today + timedelta(days=1), note="Legal claims"
    )
    notifications.due_reminders(today=today)
    services.comment_create(annotation=submitted, author=reviewer2, body="Which court?")
    services.comment_create(annotation=submitted, author=editor, body="@reviewer see above")
    approved = services.annotation_approve(
        annotation=submitted, editor=editor, version=submitted.version, comment="Checked."
    )
    services.annotation_reopen(annotation=approved, editor=editor, version=approved.version, comment="New filing.")
    card = f"{seed_article.get_absolute_url()}#annotation-{submitted.pk}"
    quote = quote_of(submitted)
    rows = selectors.notifications_of(user=reviewer).order_by("id")
    got = [
        {key: record[key] for key in ("kind", "text", "said", "actor", "annotation", "due", "url", "read_at")}
        for record in map(records.notification_record, rows)
    ]
    due = (today + timedelta(days=1)).isoformat()
    assert got == [
        {"kind": "assigned", "text": f"editor assigned you “{seed_article.title}”", "said": "Legal claims",
         "actor": "editor", "annotation": None, "due": due, "url": seed_article.get_absolute_url(), "read_at": None},
        {"kind": "due", "text": f"“{seed_article.title}” is due tomorrow", "said": "Legal claims",
         "actor": None, "annotation": None, "due": due, "url": seed_article.get_absolute_url(), "read_at": None},
        {"kind": "comment", "text": f"reviewer2 commented on the verdict on “{quote}”", "said": "Which court?",
         "actor": "reviewer2", "annotation": submitted.pk, "due": None, "url": card, "read_at": None},
        {"kind": "mention", "text": f"editor mentioned you on the verdict on “{quote}”", "said": "@reviewer see above",
         "actor": "editor", "annotation": submitted.pk, "due": None, "url": card, "read_at": None},
        {"kind": "approved", "text": f"editor approved your verdict on “{quote}”", "said": "Checked.",
         "actor": "editor", "annotation": submitted.pk, "due": None, "url": card, "read_at": None},
        {"kind": "reopened", "text": f"editor reopened your verdict on “{quote}”", "said": "New filing.",
         "actor": "editor", "annotation": submitted.pk, "due": None, "url": card, "read_at": None},
    ]  # fmt: skip
    assert kinds(reviewer2) == ["comment"]  # the editor's comment, after reviewer2 took part
    assert inbox(editor) == []  # the editor took part only after reviewer2's comment, and caused the rest


def test_the_email_is_written_in_the_language_its_recipient_chose(
    submitted, reviewer, editor, django_capture_on_commit_callbacks
):
    from annotations.models import LanguagePreference

    LanguagePreference.objects.create(user=reviewer, language="ur")
    with django_capture_on_commit_callbacks(execute=True):
        services.annotation_request_changes(
            annotation=submitted, editor=editor, version=submitted.version, comment="Name the court."
        )
    run_worker()
    [message] = mail.outbox
    assert message.subject.startswith("[factcheck] ")
    assert not message.subject.removeprefix("[factcheck] ").replace(quote_of(submitted), "").isascii()
    assert "> Name the court.\n" in message.body  # what the editor wrote stays as written
