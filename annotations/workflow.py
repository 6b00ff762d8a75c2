"""The review state machine, in one place. Pure: no ORM, no users.

    draft ──submit──▶ submitted ──approve──────────▶ approved
      ▲                 │    ▲                          │
      │                 │    └────────reopen────────────┘
      │        request_changes
      │                 ▼
      └─(edit)── changes_requested ──submit──▶ submitted

Who may fire each transition (author or editor) and the comment rules are
checked by services.py, which reads them from here.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from .models import Action, State


@dataclass(frozen=True, slots=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    by_editor: bool  # False: only the annotation's author fires it
    comment_required: bool
    verb: str  # for messages: "submit", "approve" …


TRANSITIONS = {
    Action.SUBMIT: Transition(
        Action.SUBMIT, frozenset({State.DRAFT, State.CHANGES_REQUESTED}), State.SUBMITTED, False, False, "submit"
    ),
    Action.APPROVE: Transition(Action.APPROVE, frozenset({State.SUBMITTED}), State.APPROVED, True, False, "approve"),
    Action.REQUEST_CHANGES: Transition(
        Action.REQUEST_CHANGES, frozenset({State.SUBMITTED}), State.CHANGES_REQUESTED, True, True, "return"
    ),
    Action.REOPEN: Transition(Action.REOPEN, frozenset({State.APPROVED}), State.SUBMITTED, True, True, "reopen"),
}

# The editors' decisions on a submission: each records the submission it answers (the desk's waits).
DECISIONS = (Action.APPROVE, Action.REQUEST_CHANGES)


def answered_submission(events: Iterable[tuple[str, datetime]], *, decided_at: datetime) -> datetime | None:
    """The submission a decision at `decided_at` answers: the latest `submit` of its verdict at or
    before it (`events` as (action, at), any order), None if there was none. Only an author's
    `submit` counts: a reopening, an editor's edit or a re-anchoring that sends an approved verdict
    back to the queue is not one, so a reopened verdict's next decision answers the old submission."""
    return max((at for action, at in events if action == Action.SUBMIT and at <= decided_at), default=None)


# States in which the author may still edit or delete their own verdict.
AUTHOR_EDITABLE = frozenset({State.DRAFT, State.CHANGES_REQUESTED})


class TransitionError(ValueError):
    """A transition that the state machine does not allow from the current state."""


def transition_for(action: str, state: str) -> Transition:
    transition = TRANSITIONS[action]
    if state not in transition.sources:
        raise TransitionError(str(REFUSED_FROM[action, state]))
    return transition


# Why a move is refused from a state, one whole sentence for each (action, state) the machine refuses.
REFUSED_FROM = {
    (Action.SUBMIT, State.SUBMITTED): _("A verdict that is submitted cannot be submitted."),
    (Action.SUBMIT, State.APPROVED): _("A verdict that is approved cannot be submitted."),
    (Action.APPROVE, State.DRAFT): _("A verdict that is draft cannot be approved."),
    (Action.APPROVE, State.APPROVED): _("A verdict that is approved cannot be approved."),
    (Action.APPROVE, State.CHANGES_REQUESTED): _("A verdict that is changes requested cannot be approved."),
    (Action.REQUEST_CHANGES, State.DRAFT): _("A verdict that is draft cannot be returned for changes."),
    (Action.REQUEST_CHANGES, State.APPROVED): _("A verdict that is approved cannot be returned for changes."),
    (Action.REQUEST_CHANGES, State.CHANGES_REQUESTED): _(
        "A verdict that is changes requested cannot be returned for changes."
    ),
    (Action.REOPEN, State.DRAFT): _("A verdict that is draft cannot be reopened."),
    (Action.REOPEN, State.SUBMITTED): _("A verdict that is submitted cannot be reopened."),
    (Action.REOPEN, State.CHANGES_REQUESTED): _("A verdict that is changes requested cannot be reopened."),
}


def allowed_actions(state: str) -> list[str]:
    return [action for action, transition in TRANSITIONS.items() if state in transition.sources]


def state_after_edit(state: str, *, by_editor: bool) -> str:
    """Editing keeps draft and changes_requested. An editor's edit of an approved
    verdict sends it back to submitted: a changed verdict needs another look."""
    if state == State.APPROVED and by_editor:
        return State.SUBMITTED
    return state
