"""The desk dashboard: editors only; every figure counted by the database, the same on the page and in
its CSV files; a fixed number of queries whatever the data."""

from datetime import datetime, timedelta
import importlib

from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
import pytest

from annotations import db, selectors, services, workflow
from annotations.models import Action, Annotation, AnnotationEvent, Assignment, State

from .conftest import client_for, sentence_span
from .factories import ArticleFactory

pytestmark = pytest.mark.django_db


def verdict(article, author, index, state=State.DRAFT):
    made = services.annotation_create(article=article, author=author, status="alleged", **sentence_span(article, index))
    Annotation.objects.filter(pk=made.pk).update(state=state)
    return made


def latest_submission(annotation_id: int, at: datetime) -> datetime | None:
    """The plain path of the rule a decision records (workflow.answered_submission): its verdict's
    latest `submit` at or before it, looked up in the table."""
    submits = AnnotationEvent.objects.filter(annotation_id=annotation_id, action=Action.SUBMIT, at__lte=at)
    return submits.aggregate(latest=Max("at"))["latest"]


def event(annotation, actor, action, hours_ago, to_state):
    """An event written straight to the table (in the order of the verdict's history), a decision
    with the submission it answers, as services.annotation_transition records it."""
    when = timezone.now() - timedelta(hours=hours_ago)
    AnnotationEvent.objects.create(
        annotation=annotation,
        actor=actor,
        action=action,
        at=when,
        from_state=State.SUBMITTED if action != Action.SUBMIT else State.DRAFT,
        to_state=to_state,
        from_status="alleged",
        to_status="alleged",
        answers_submission_at=latest_submission(annotation.pk, when) if action in workflow.DECISIONS else None,
    )


@pytest.fixture
def desk(seed_article, reviewer, reviewer2, editor):
    """Three decisions in the window (waits 2 h, 24 h and 1 h; one returned), one long before it."""
    first = verdict(seed_article, reviewer, 0, State.APPROVED)
    event(first, reviewer, Action.SUBMIT, 10, State.SUBMITTED)
    event(first, editor, Action.APPROVE, 8, State.APPROVED)
    second = verdict(seed_article, reviewer2, 1, State.CHANGES_REQUESTED)
    event(second, reviewer2, Action.SUBMIT, 30, State.SUBMITTED)
    event(second, editor, Action.REQUEST_CHANGES, 6, State.CHANGES_REQUESTED)
    third = verdict(seed_article, reviewer2, 2, State.APPROVED)
    event(third, reviewer2, Action.SUBMIT, 24 * 41, State.SUBMITTED)
    event(third, editor, Action.APPROVE, 24 * 40, State.APPROVED)  # before the 30 days
    event(third, editor, Action.REOPEN, 6, State.SUBMITTED)
    event(third, reviewer2, Action.SUBMIT, 5, State.SUBMITTED)
    event(third, editor, Action.APPROVE, 4, State.APPROVED)
    verdict(seed_article, reviewer, 3)  # a draft
    verdict(seed_article, reviewer, 4, State.SUBMITTED)
    assignment = services.assignment_create(article=seed_article, editor=editor, username="reviewer")
    Assignment.objects.filter(pk=assignment.pk).update(due=timezone.localdate() - timedelta(days=1))
    return first, second, third


def test_the_figures_are_counted_by_the_database(desk, reviewer, editor):
    figures = selectors.desk_dashboard()
    assert (figures.decisions, figures.returned, round(figures.returned_rate, 3)) == (3, 1, 0.333)
    # waits of 1, 2 and 24 hours: the median is the 2nd, the 90th percentile the 3rd (nearest rank)
    assert (figures.median_hours, figures.p90_hours) == (2.0, 24.0)
    assert sorted((row["state"], row["count"]) for row in figures.backlog) == [
        ("approved", 2),
        ("changes_requested", 1),
        ("draft", 1),
        ("submitted", 1),
    ]
    approved_days = [row["day"] for row in figures.approved_per_day for _ in range(row["count"])]
    expected_days = sorted(timezone.localdate(timezone.now() - timedelta(hours=hours)) for hours in (8, 4))
    assert approved_days == expected_days
    assert len(figures.approved_per_day) == selectors.DASHBOARD_DAYS
    assert figures.reviewers == [
        {
            "username": "editor",
            "drafts": 0,
            "waiting": 0,
            "approved": 0,
            "returned": 0,
            "assigned_open": 0,
            "assigned_overdue": 0,
        },
        {
            "username": "reviewer",
            "drafts": 1,
            "waiting": 1,
            "approved": 1,
            "returned": 0,
            "assigned_open": 1,
            "assigned_overdue": 1,
        },
        {
            "username": "reviewer2",
            "drafts": 0,
            "waiting": 0,
            "approved": 1,
            "returned": 1,
            "assigned_open": 0,
            "assigned_overdue": 0,
        },
    ]


def test_an_empty_desk_has_no_figures_to_divide(editor):
    figures = selectors.desk_dashboard()
    assert (figures.decisions, figures.returned_rate, figures.median_hours, figures.p90_hours) == (0, None, None, None)
    html = client_for(editor).get(reverse("annotations:desk-dashboard")).text
    assert "<dt>Submission to decision, median</dt><dd>—</dd>" in html


def test_only_editors_see_the_desk(desk, reviewer, outsider, editor):
    for user in (reviewer, outsider):
        assert client_for(user).get(reverse("annotations:desk-dashboard")).status_code == 403
        assert client_for(user).get(reverse("annotations:desk-csv", args=["reviewers"])).status_code == 403
    anonymous = client_for(editor).__class__().get(reverse("annotations:desk-dashboard"))
    assert (anonymous.status_code, anonymous.url) == (302, "/accounts/login/?next=/desk/")
    assert client_for(editor).get(reverse("annotations:desk-csv", args=["nothing"])).status_code == 404


def test_the_page_shows_each_chart_with_its_title_and_table(desk, editor):
    html = client_for(editor).get(reverse("annotations:desk-dashboard")).text
    assert '<a href="/desk/" aria-current="page">Desk</a>' in html
    assert "<dt>Decisions</dt><dd>3</dd>" in html
    assert "<dt>Returned for changes</dt><dd>33 % <span" in html
    assert "<dt>Submission to decision, median</dt><dd>2.0 h</dd>" in html
    assert "<dt>90th percentile</dt><dd>24.0 h</dd>" in html
    assert (
        '<title id="backlog-svg-title">Live verdicts by state: '
        "Draft 1, Submitted 1, Approved 2, Changes requested 1</title>" in html
    )
    assert html.count('role="img"') == 2 and html.count("<table") == 3
    assert '<td class="num"><span class="overdue-badge">1</span></td>' in html


def test_every_figure_downloads_as_csv(desk, editor):
    client = client_for(editor)
    decisions = client.get(reverse("annotations:desk-csv", args=["decisions"]))
    assert decisions["Content-Type"] == "text/csv; charset=utf-8"
    assert decisions.content.decode().splitlines() == [
        "days,decisions,returned,returned_rate,median_hours,p90_hours",
        "30,3,1,0.333,2.0,24.0",
    ]
    reviewers = client.get(reverse("annotations:desk-csv", args=["reviewers"])).content.decode().splitlines()
    assert reviewers[0] == "username,drafts,waiting,approved,returned,assigned_open,assigned_overdue"
    assert reviewers[1:] == ["editor,0,0,0,0,0,0", "reviewer,1,1,1,0,1,1", "reviewer2,0,0,1,1,0,0"]
    backlog = client.get(reverse("annotations:desk-csv", args=["backlog"])).content.decode().splitlines()
    assert backlog[0] == "state,status,count" and sorted(backlog[1:]) == [
        "approved,alleged,2",
        "changes_requested,alleged,1",
        "draft,alleged,1",
        "submitted,alleged,1",
    ]
    days = client.get(reverse("annotations:desk-csv", args=["approved-per-day"])).content.decode().splitlines()
    assert (
        len(days) == 1 + selectors.DASHBOARD_DAYS
        and days[-1] == f"{timezone.localdate().isoformat()},{days[-1].split(',')[1]}"
    )


@pytest.mark.parametrize("extra", [0, 6])
def test_the_page_reads_a_fixed_number_of_queries(
    desk, seed_article, reviewer, editor, django_assert_num_queries, extra
):
    for index in range(extra):
        made = verdict(seed_article, reviewer, 5 + index, State.APPROVED)
        event(made, reviewer, Action.SUBMIT, 3, State.SUBMITTED)
        event(made, editor, Action.APPROVE, 2, State.APPROVED)
    client = client_for(editor)
    client.get(reverse("annotations:desk-dashboard"))
    with django_assert_num_queries(10):  # session, user, groups, waiting and unread counts; five for the figures
        assert client.get(reverse("annotations:desk-dashboard")).status_code == 200


def at(when: datetime) -> float:
    """`when` as hours before now, for event()."""
    return (timezone.now() - when).total_seconds() / 3600


@pytest.fixture
def history(seed_article, reviewer, reviewer2, editor):
    """Decisions in the window waiting 10 h and 3 h (returned, resubmitted, approved), 942 h (approved
    before the window, reopened, approved again: from the old submission), 1 h (returned, then the
    verdict deleted: its decision still counts), 0 h (submitted and approved at the same instant)
    and 2 h (approved at the window's first instant); not counted: a decision one second before
    the window, and one without a submission before it."""
    first_instant = timezone.make_aware(
        datetime.combine(timezone.localdate() - timedelta(days=selectors.DASHBOARD_DAYS - 1), datetime.min.time())
    )
    returned = verdict(seed_article, reviewer, 0, State.APPROVED)
    event(returned, reviewer, Action.SUBMIT, 50, State.SUBMITTED)
    event(returned, editor, Action.REQUEST_CHANGES, 40, State.CHANGES_REQUESTED)
    event(returned, reviewer, Action.SUBMIT, 30, State.SUBMITTED)
    event(returned, editor, Action.APPROVE, 27, State.APPROVED)
    reopened = verdict(seed_article, reviewer2, 1, State.APPROVED)
    event(reopened, reviewer2, Action.SUBMIT, 24 * 40, State.SUBMITTED)
    event(reopened, editor, Action.APPROVE, 24 * 39, State.APPROVED)
    event(reopened, editor, Action.REOPEN, 20, State.SUBMITTED)
    event(reopened, editor, Action.APPROVE, 18, State.APPROVED)
    deleted = verdict(seed_article, reviewer2, 2, State.CHANGES_REQUESTED)
    event(deleted, reviewer2, Action.SUBMIT, 9, State.SUBMITTED)
    event(deleted, editor, Action.REQUEST_CHANGES, 8, State.CHANGES_REQUESTED)
    services.annotation_delete(annotation=deleted, actor=editor)
    instant = verdict(seed_article, reviewer, 3, State.APPROVED)
    now = timezone.now() - timedelta(hours=5)
    for action, to_state, answers in ((Action.SUBMIT, State.SUBMITTED, None), (Action.APPROVE, State.APPROVED, now)):
        AnnotationEvent.objects.create(
            annotation=instant,
            actor=editor,
            action=action,
            at=now,
            to_state=to_state,
            to_status="alleged",
            answers_submission_at=answers,
        )
    edge = verdict(seed_article, reviewer, 4, State.APPROVED)
    event(edge, reviewer, Action.SUBMIT, at(first_instant - timedelta(hours=2)), State.SUBMITTED)
    event(edge, editor, Action.APPROVE, at(first_instant), State.APPROVED)
    before = verdict(seed_article, reviewer2, 5, State.APPROVED)
    event(before, reviewer2, Action.SUBMIT, at(first_instant - timedelta(hours=3)), State.SUBMITTED)
    event(before, editor, Action.APPROVE, at(first_instant - timedelta(seconds=1)), State.APPROVED)
    unsubmitted = verdict(seed_article, reviewer2, 6, State.APPROVED)
    event(unsubmitted, editor, Action.APPROVE, 2, State.APPROVED)
    verdict(seed_article, reviewer2, 7)  # a draft
    verdict(seed_article, reviewer, 8, State.SUBMITTED)
    soon = timezone.localdate() + timedelta(days=3)
    services.assignment_create(article=seed_article, editor=editor, username="reviewer")
    late = services.assignment_create(article=seed_article, editor=editor, username="reviewer2", due=soon)
    Assignment.objects.filter(pk=late.pk).update(due=timezone.localdate() - timedelta(days=2))
    other = ArticleFactory()
    services.assignment_create(article=other, editor=editor, username="reviewer2", due=soon)
    services.assignment_create(article=other, editor=editor, username="reviewer")
    services.assignment_remove(article=other, username="reviewer", editor=editor)


def test_each_figure_of_a_tricky_history_is_the_hand_counted_one(history):
    figures = selectors.desk_dashboard()
    # waits 0, 1, 2, 3, 10 and 942 hours: the median is the 3rd, the 90th percentile the 6th
    assert (figures.decisions, figures.returned) == (6, 2)
    assert (figures.median_hours, figures.p90_hours, round(figures.returned_rate, 3)) == (2.0, 942.0, 0.333)
    # returned, reopened, instant, edge and the one without a submission (an approval all the same)
    assert sum(row["count"] for row in figures.approved_per_day) == 5
    assert figures.approved_per_day[0]["count"] == 1  # the edge, at the first instant
    assert sorted((row["state"], row["status"], row["count"]) for row in figures.backlog) == [
        ("approved", "alleged", 6),
        ("draft", "alleged", 1),
        ("submitted", "alleged", 1),
    ]
    assert [tuple(row.values()) for row in figures.reviewers] == [
        ("editor", 0, 0, 0, 0, 0, 0),
        ("reviewer", 0, 1, 3, 0, 1, 0),
        ("reviewer2", 1, 0, 3, 0, 2, 1),
    ]


@pytest.mark.parametrize("fixture", ["desk", "history"])
def test_the_waits_statement_counts_and_ranks_as_python_does(request, fixture):
    """db.wait_figures (one statement) against the same rows ranked in Python."""
    request.getfixturevalue(fixture)
    today = timezone.localdate()
    start = timezone.make_aware(
        datetime.combine(today - timedelta(days=selectors.DASHBOARD_DAYS - 1), datetime.min.time())
    )
    end = timezone.make_aware(datetime.combine(today + timedelta(days=1), datetime.min.time()))
    for percents in [(50, 90), (1, 25, 50, 75, 99, 100)]:
        decisions = selectors.decisions_in(start=start, end=end)
        options = {"returned_action": Action.REQUEST_CHANGES, "percents": percents}
        fast, plain = db.wait_figures(decisions, **options), db.wait_figures_plain(decisions, **options)
        assert fast == plain


def test_the_waits_of_no_decision_are_none(editor):
    now = timezone.now()
    figures = db.wait_figures(
        selectors.decisions_in(start=now - timedelta(days=1), end=now),
        returned_action=Action.REQUEST_CHANGES,
        percents=(50, 90),
    )
    assert figures == db.WaitFigures(decisions=0, returned=0, percentiles={50: None, 90: None})


def test_each_decision_records_the_submission_it_answers(seed_article, reviewer, editor):
    """Returned, resubmitted, approved, reopened and approved again: the return answers the first
    submission, both approvals the second (a reopening is not a submission); other events none."""
    made = services.annotation_create_and_submit(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 0)
    )
    made = services.annotation_request_changes(annotation=made, editor=editor, version=made.version, comment="Why?")
    made = services.annotation_submit(annotation=made, actor=reviewer, version=made.version)
    made = services.annotation_approve(annotation=made, editor=editor, version=made.version)
    made = services.annotation_reopen(annotation=made, editor=editor, version=made.version, comment="A reader wrote.")
    services.annotation_approve(annotation=made, editor=editor, version=made.version)
    events = list(made.events.order_by("at", "id").values_list("action", "at", "answers_submission_at"))
    first, second = (at for action, at, _ in events if action == Action.SUBMIT)
    assert [(action, answers) for action, _, answers in events] == [
        (Action.CREATE, None),
        (Action.SUBMIT, None),
        (Action.REQUEST_CHANGES, first),
        (Action.SUBMIT, None),
        (Action.APPROVE, second),
        (Action.REOPEN, None),
        (Action.APPROVE, second),
    ]
    for action, at, answers in events:
        if action in workflow.DECISIONS:
            assert answers == latest_submission(made.pk, at)


class StatementRunner:
    """What the migration's backfill uses of Django's schema editor (which SQLite refuses inside a
    test's transaction): the connection and execute()."""

    connection = connection

    def execute(self, sql: str, params=None) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


@pytest.mark.parametrize("fixture", ["desk", "history"])
def test_the_migration_fills_in_the_submission_each_decision_answers(request, fixture):
    """Migration 0023's backfill, run again over the events with their recorded submission taken
    away: it finds the same ones (on PostgreSQL past the append-only trigger, which stays on)."""
    request.getfixturevalue(fixture)
    recorded = sorted(AnnotationEvent.objects.values_list("id", "answers_submission_at"))
    assert sum(1 for _, answers in recorded if answers) == (4 if fixture == "desk" else 8)
    migration = importlib.import_module("annotations.migrations.0023_event_answers_submission_at")
    table, runner = AnnotationEvent._meta.db_table, StatementRunner()
    postgresql = connection.vendor == "postgresql"
    if postgresql:
        runner.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the fixture's rows, checked before ALTER TABLE
        runner.execute(f"ALTER TABLE {table} DISABLE TRIGGER {migration.TRIGGER}")
    runner.execute(f"UPDATE {table} SET answers_submission_at = NULL")
    if postgresql:
        runner.execute(f"ALTER TABLE {table} ENABLE TRIGGER {migration.TRIGGER}")
    assert not AnnotationEvent.objects.exclude(answers_submission_at=None).exists()
    migration.backfill(None, runner)
    assert sorted(AnnotationEvent.objects.values_list("id", "answers_submission_at")) == recorded
    if postgresql:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            runner.execute(f"UPDATE {table} SET comment = 'changed'")
