"""The review state machine: every transition for every role, events, append-only log, conflicts."""

import threading

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
import pytest

from annotations import roles, services, workflow
from annotations.models import Annotation, AnnotationEvent, AppendOnlyError, State

from .conftest import sentence_span
from .factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor2(db):
    return UserFactory(username="editor2", groups=[roles.EDITORS_GROUP])


@pytest.fixture
def people(reviewer, reviewer2, editor, editor2):
    return {
        "reviewer": reviewer,
        "reviewer2": reviewer2,
        "editor": editor,
        "editor2": editor2,
        "anonymous": AnonymousUser(),
    }


def make(article, author, state: str, *, reviewer_of_record) -> Annotation:
    """A verdict by `author` brought to `state` through the services."""
    annotation = services.annotation_create(
        article=article, author=author, status="alleged", claimant="BES", **sentence_span(article, 0)
    )
    if state == State.DRAFT:
        return annotation
    annotation = services.annotation_submit(annotation=annotation, actor=author, version=annotation.version)
    if state == State.APPROVED:
        annotation = services.annotation_approve(
            annotation=annotation, editor=reviewer_of_record, version=annotation.version
        )
    elif state == State.CHANGES_REQUESTED:
        annotation = services.annotation_request_changes(
            annotation=annotation, editor=reviewer_of_record, version=annotation.version, comment="Add a source."
        )
    return annotation


def fire(action: str, annotation: Annotation, actor, **extra):
    kwargs = {"annotation": annotation, "version": annotation.version}
    if action == "submit":
        return services.annotation_submit(actor=actor, **kwargs)
    if action == "approve":
        return services.annotation_approve(editor=actor, **kwargs, **extra)
    if action == "request_changes":
        return services.annotation_request_changes(editor=actor, comment=extra.get("comment", "Fix it."), **kwargs)
    return services.annotation_reopen(editor=actor, comment=extra.get("comment", "New evidence."), **kwargs)


# (action, from state, author, actor, expected error or None)
MATRIX = [
    ("submit", State.DRAFT, "reviewer", "reviewer", None),
    ("submit", State.DRAFT, "reviewer", "reviewer2", "Only its author can submit this verdict."),
    ("submit", State.DRAFT, "reviewer", "editor", "Only its author can submit this verdict."),
    ("submit", State.DRAFT, "editor", "editor", None),
    ("submit", State.DRAFT, "reviewer", "anonymous", "Only its author can submit this verdict."),
    ("submit", State.CHANGES_REQUESTED, "reviewer", "reviewer", None),
    ("submit", State.SUBMITTED, "reviewer", "reviewer", "A verdict that is submitted cannot be submitted."),
    ("approve", State.SUBMITTED, "reviewer", "reviewer", "Only editors can approve verdicts."),
    ("approve", State.SUBMITTED, "reviewer", "reviewer2", "Only editors can approve verdicts."),
    ("approve", State.SUBMITTED, "reviewer", "editor", None),
    (
        "approve",
        State.SUBMITTED,
        "editor",
        "editor",
        "You cannot approve your own verdict: another editor must review it.",
    ),
    ("approve", State.SUBMITTED, "editor", "editor2", None),
    ("approve", State.SUBMITTED, "reviewer", "anonymous", "Only editors can approve verdicts."),
    ("approve", State.DRAFT, "reviewer", "editor", "A verdict that is draft cannot be approved."),
    ("approve", State.APPROVED, "reviewer", "editor2", "A verdict that is approved cannot be approved."),
    ("request_changes", State.SUBMITTED, "reviewer", "reviewer", "Only editors can return verdicts."),
    ("request_changes", State.SUBMITTED, "reviewer", "reviewer2", "Only editors can return verdicts."),
    ("request_changes", State.SUBMITTED, "reviewer", "editor", None),
    (
        "request_changes",
        State.SUBMITTED,
        "editor",
        "editor",
        "You cannot return your own verdict: another editor must review it.",
    ),
    ("request_changes", State.SUBMITTED, "reviewer", "anonymous", "Only editors can return verdicts."),
    ("request_changes", State.DRAFT, "reviewer", "editor", "A verdict that is draft cannot be returned for changes."),
    ("reopen", State.APPROVED, "reviewer", "reviewer", "Only editors can reopen verdicts."),
    ("reopen", State.APPROVED, "reviewer", "reviewer2", "Only editors can reopen verdicts."),
    ("reopen", State.APPROVED, "reviewer", "editor", None),
    ("reopen", State.APPROVED, "editor", "editor", None),
    ("reopen", State.APPROVED, "reviewer", "anonymous", "Only editors can reopen verdicts."),
    ("reopen", State.SUBMITTED, "reviewer", "editor", "A verdict that is submitted cannot be reopened."),
]


@pytest.mark.parametrize(("action", "state", "author", "actor", "error"), MATRIX)
def test_transition_matrix(seed_article, people, action, state, author, actor, error):
    # Whoever reviews the setup steps is never the author.
    setup_editor = people["editor2"] if author == "editor" else people["editor"]
    if state == State.APPROVED and author == "reviewer" and actor == "editor2":
        setup_editor = people["editor"]
    annotation = make(seed_article, people[author], state, reviewer_of_record=setup_editor)
    before = annotation.version, annotation.state, AnnotationEvent.objects.count()
    if error is None:
        result = fire(action, annotation, people[actor])
        assert result.state == workflow.TRANSITIONS[action].target
        assert result.version == before[0] + 1
        assert AnnotationEvent.objects.count() == before[2] + 1
        latest = AnnotationEvent.objects.latest("id")
        assert (latest.action, latest.from_state, latest.to_state, latest.actor_id) == (
            action,
            state,
            result.state,
            people[actor].pk,
        )
    else:
        with pytest.raises((PermissionDenied, ValidationError)) as raised:
            fire(action, annotation, people[actor])
        message = raised.value.messages[0] if isinstance(raised.value, ValidationError) else str(raised.value)
        assert message == error
        annotation.refresh_from_db()
        assert (annotation.version, annotation.state, AnnotationEvent.objects.count()) == before


def test_self_approval_setting(seed_article, editor, editor2, settings):
    settings.FACTCHECK_ALLOW_SELF_APPROVAL = True
    annotation = make(seed_article, editor, State.SUBMITTED, reviewer_of_record=editor2)
    approved = services.annotation_approve(annotation=annotation, editor=editor, version=annotation.version)
    assert approved.state == State.APPROVED


def test_comment_rules(seed_article, reviewer, editor):
    annotation = make(seed_article, reviewer, State.SUBMITTED, reviewer_of_record=editor)
    cases = [
        (
            lambda: fire("request_changes", annotation, editor, comment="  "),
            {"comment": ["Tell the author what to change."]},
        ),
        (
            lambda: fire("approve", annotation, editor, status="unverified"),
            {"comment": ["Explain why you change the status: a comment is required."]},
        ),
        (
            lambda: fire("approve", annotation, editor, status="evidenced", comment="Backed by the report."),
            {"status": ["An evidenced verdict needs at least one source that supports it."]},
        ),
        (
            lambda: fire("approve", annotation, editor, status="denied", comment="Huawei denied it."),
            {"status": ["A denied verdict needs who denied it: return it to the author, or edit it first."]},
        ),
    ]
    for call, errors in cases:
        with pytest.raises(ValidationError) as raised:
            call()
        assert raised.value.message_dict == errors
    assert AnnotationEvent.objects.filter(annotation=annotation).count() == 2


def test_editor_status_wins_with_a_comment(seed_article, reviewer, editor):
    annotation = make(seed_article, reviewer, State.SUBMITTED, reviewer_of_record=editor)
    approved = services.annotation_approve(
        annotation=annotation, editor=editor, version=annotation.version, status="unverified", comment="No filing seen."
    )
    assert (approved.state, approved.status, approved.review_comment, approved.reviewed_by) == (
        "approved",
        "unverified",
        "No filing seen.",
        editor,
    )
    event = approved.events.latest("id")
    assert (event.from_status, event.to_status, event.comment) == ("alleged", "unverified", "No filing seen.")
    assert event.at == approved.updated_at == approved.reviewed_at  # one timestamp for the change and its record
    assert approved.first_approved_at == approved.reviewed_at


def test_reopen_keeps_the_first_approval_time(seed_article, reviewer, editor):
    annotation = make(seed_article, reviewer, State.APPROVED, reviewer_of_record=editor)
    first = annotation.first_approved_at
    annotation = services.annotation_reopen(
        annotation=annotation, editor=editor, version=annotation.version, comment="Why"
    )
    assert annotation.state == State.SUBMITTED
    annotation = services.annotation_approve(annotation=annotation, editor=editor, version=annotation.version)
    assert annotation.first_approved_at == first
    assert annotation.reviewed_at > first


def test_edit_rules_by_state(seed_article, reviewer, editor):
    submitted = make(seed_article, reviewer, State.SUBMITTED, reviewer_of_record=editor)
    with pytest.raises(PermissionDenied) as raised:
        services.annotation_update(annotation=submitted, actor=reviewer, version=submitted.version, status="unverified")
    assert str(raised.value) == (
        "This verdict is submitted: ask an editor to reopen it or return it before you edit it."
    )
    returned = services.annotation_request_changes(
        annotation=submitted, editor=editor, version=submitted.version, comment="Add a source."
    )
    edited = services.annotation_update(
        annotation=returned, actor=reviewer, version=returned.version, status="unverified"
    )
    assert edited.state == State.CHANGES_REQUESTED
    approved = services.annotation_approve(
        annotation=services.annotation_submit(annotation=edited, actor=reviewer, version=edited.version),
        editor=editor,
        version=edited.version + 1,
    )
    changed = services.annotation_update(
        annotation=approved, actor=editor, version=approved.version, status="unverified", note="Tightened."
    )
    assert changed.state == State.SUBMITTED  # a changed verdict needs another look
    event = changed.events.latest("id")
    assert (event.action, event.from_state, event.to_state, event.changes) == (
        "edit",
        "approved",
        "submitted",
        [{"field": "note", "old": "", "new": "Tightened."}],
    )


def test_edit_event_lists_changed_fields(seed_article, reviewer, bbc_source):
    annotation = make(seed_article, reviewer, State.DRAFT, reviewer_of_record=None)
    services.annotation_update(
        annotation=annotation,
        actor=reviewer,
        version=1,
        status="evidenced",
        claimant="BES",
        note="Now sourced.",
        sources=[services.SourceLink(bbc_source, "supports", "p. 2")],
    )
    event = AnnotationEvent.objects.filter(annotation=annotation, action="edit").get()
    assert event.changes == [
        {"field": "status", "old": "alleged", "new": "evidenced"},
        {"field": "note", "old": "", "new": "Now sourced."},
        {"field": "sources", "old": [], "new": ["supports: https://www.bbc.com/news/world-asia-47855015 (p. 2)"]},
    ]
    assert (event.from_status, event.to_status) == ("alleged", "evidenced")


def test_delete_and_restore_write_events(seed_article, reviewer, editor):
    annotation = make(seed_article, reviewer, State.DRAFT, reviewer_of_record=None)
    services.annotation_delete(annotation=annotation, actor=reviewer)
    services.annotation_restore(annotation=annotation, actor=editor)
    assert list(annotation.events.values_list("action", flat=True)) == ["create", "delete", "restore"]


def test_reviewer_cannot_delete_submitted_work(seed_article, reviewer, editor):
    annotation = make(seed_article, reviewer, State.SUBMITTED, reviewer_of_record=editor)
    with pytest.raises(PermissionDenied) as raised:
        services.annotation_delete(annotation=annotation, actor=reviewer)
    assert (
        str(raised.value) == "This verdict is submitted: ask an editor to reopen it or return it before you delete it."
    )


def test_events_are_append_only_in_the_model(seed_article, reviewer):
    annotation = make(seed_article, reviewer, State.DRAFT, reviewer_of_record=None)
    event = annotation.events.get()
    event.comment = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AnnotationEvent.objects.filter(pk=event.pk).update(comment="x")
    with pytest.raises(AppendOnlyError):
        AnnotationEvent.objects.all().delete()
    assert AnnotationEvent.objects.get().comment == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_postgresql_trigger_refuses_update_and_delete(seed_article, reviewer):
    from django.db import DatabaseError, transaction

    annotation = make(seed_article, reviewer, State.DRAFT, reviewer_of_record=None)
    for sql in [
        "UPDATE annotations_annotationevent SET comment = 'x'",
        "DELETE FROM annotations_annotationevent",
    ]:
        with (
            pytest.raises(DatabaseError, match="annotation events are append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert annotation.events.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_postgresql_trigger_refuses_truncate(seed_article, reviewer):
    """TRUNCATE fires no row trigger; a statement trigger (migration 0009) refuses it, directly or by
    CASCADE. Committed events: inside the test's own transaction, PostgreSQL would refuse TRUNCATE
    earlier, for the pending foreign key checks of the rows just written."""
    from django.db import DatabaseError, transaction

    annotation = make(seed_article, reviewer, State.DRAFT, reviewer_of_record=None)
    for sql in [
        "TRUNCATE annotations_annotationevent",
        "TRUNCATE annotations_annotation CASCADE",
    ]:
        with (
            pytest.raises(DatabaseError, match=r"^annotation events are append-only \(TRUNCATE refused\)"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert list(annotation.events.values_list("action", flat=True)) == ["create"]
    assert Annotation.objects.get() == annotation


def test_stale_version_conflict_names_who_changed_it(seed_article, reviewer, editor):
    annotation = make(seed_article, reviewer, State.SUBMITTED, reviewer_of_record=editor)
    stale = annotation.version
    services.annotation_approve(annotation=annotation, editor=editor, version=stale)
    with pytest.raises(services.VersionConflict) as raised:
        services.annotation_request_changes(annotation=annotation, editor=editor, version=stale, comment="Late")
    assert raised.value.message.startswith("This verdict was changed by editor at ")
    assert "(now version 3, approved, alleged)" in raised.value.message


def test_workflow_module_is_the_single_table():
    assert workflow.allowed_actions(State.DRAFT) == ["submit"]
    assert workflow.allowed_actions(State.SUBMITTED) == ["approve", "request_changes"]
    assert workflow.allowed_actions(State.APPROVED) == ["reopen"]
    assert workflow.allowed_actions(State.CHANGES_REQUESTED) == ["submit"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are a PostgreSQL feature")
def test_concurrent_review_exactly_one_wins(seed_article, reviewer, editor, editor2):
    annotation = make(seed_article, reviewer, State.SUBMITTED, reviewer_of_record=editor)
    version = annotation.version
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def act(name, call):
        try:
            barrier.wait()
            call()
            outcomes[name] = "won"
        except services.VersionConflict:
            outcomes[name] = "conflict"
        finally:
            connections.close_all()

    threads = [
        threading.Thread(
            target=act,
            args=(
                "approve",
                lambda: services.annotation_approve(annotation=annotation, editor=editor, version=version),
            ),
        ),
        threading.Thread(
            target=act,
            args=(
                "return",
                lambda: services.annotation_request_changes(
                    annotation=annotation, editor=editor2, version=version, comment="Needs a source."
                ),
            ),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["conflict", "won"]
    annotation.refresh_from_db()
    winner = next(name for name, outcome in outcomes.items() if outcome == "won")
    assert annotation.state == {"approve": "approved", "return": "changes_requested"}[winner]
    assert annotation.version == version + 1
    events = list(annotation.events.order_by("id").values_list("action", "to_state"))
    assert events[-1] == ({"approve": "approve", "return": "request_changes"}[winner], annotation.state)
    assert [action for action, _ in events] == ["create", "submit", events[-1][0]]


def test_actions_offered_match_the_rules(seed_article, people):
    reviewer, editor = people["reviewer"], people["editor"]
    draft = make(seed_article, reviewer, State.DRAFT, reviewer_of_record=None)
    assert roles.annotation_actions(reviewer, draft) == {"edit", "delete", "submit"}
    assert roles.annotation_actions(people["reviewer2"], draft) == set()
    assert roles.annotation_actions(editor, draft) == {"edit", "delete"}
    own = make(seed_article, editor, State.SUBMITTED, reviewer_of_record=None)
    assert roles.annotation_actions(editor, own) == {"edit", "delete"}
    assert roles.annotation_actions(people["editor2"], own) == {"edit", "delete", "approve", "request_changes"}
    assert roles.annotation_actions(people["anonymous"], own) == set()


CONTRIBUTOR = (
    "You changed this verdict since it was submitted, so you cannot approve it: another editor must review it."
)


def test_an_editor_who_changes_a_submitted_verdict_cannot_approve_it(seed_article, reviewer, editor, editor2):
    annotation = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 4)
    )
    annotation = services.annotation_submit(annotation=annotation, actor=reviewer, version=1)
    annotation = services.annotation_update(
        annotation=annotation, actor=editor, version=2, status="unverified", note="Rewritten by the editor."
    )
    with pytest.raises(PermissionDenied) as refused:
        services.annotation_approve(annotation=annotation, editor=editor, version=3)
    assert str(refused.value) == CONTRIBUTOR
    approved = services.annotation_approve(annotation=annotation, editor=editor2, version=3)
    assert (approved.state, approved.reviewed_by) == (State.APPROVED, editor2)


def test_an_editor_who_edits_an_approved_verdict_cannot_approve_it_again(seed_article, reviewer, editor, editor2):
    annotation = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 4)
    )
    services.annotation_submit(annotation=annotation, actor=reviewer, version=1)
    services.annotation_approve(annotation=annotation, editor=editor2, version=2)
    edited = services.annotation_update(annotation=annotation, actor=editor2, version=3, status="unverified")
    assert edited.state == State.SUBMITTED
    with pytest.raises(PermissionDenied) as refused:
        services.annotation_approve(annotation=edited, editor=editor2, version=4)
    assert str(refused.value) == CONTRIBUTOR
    assert services.annotation_approve(annotation=edited, editor=editor, version=4).state == State.APPROVED


def test_an_edit_that_changes_nothing_makes_no_contributor(seed_article, reviewer, editor):
    annotation = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", note="Same.", **sentence_span(seed_article, 4)
    )
    services.annotation_submit(annotation=annotation, actor=reviewer, version=1)
    services.annotation_update(annotation=annotation, actor=editor, version=2, status="alleged", note="Same.")
    assert services.annotation_approve(annotation=annotation, editor=editor, version=3).state == State.APPROVED


def test_change_and_approve_stays_one_editors_decision(seed_article, reviewer, editor):
    """The queue's "change and approve" is the approval itself, with a comment, not an edit."""
    annotation = services.annotation_create(
        article=seed_article, author=reviewer, status="alleged", **sentence_span(seed_article, 4)
    )
    services.annotation_submit(annotation=annotation, actor=reviewer, version=1)
    approved = services.annotation_approve(
        annotation=annotation, editor=editor, version=2, status="unverified", comment="Not established."
    )
    assert (approved.state, approved.status, approved.reviewed_by) == (State.APPROVED, "unverified", editor)
