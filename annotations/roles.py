"""Who is who, who may do what to a verdict, who may lift a log-in lock. Ground floor: no query but
the user's groups.

Reads (selectors, pages, the API, exports) and writes (services) ask these predicates, so the
buttons a page shows and the writes it sends are decided by the same rule. Who may *see* a
verdict is not here but in `selectors.visibility_filter`, the one statement of that rule.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import workflow
from .models import Action, Annotation, Comment, State

REVIEWERS_GROUP = "Reviewers"
EDITORS_GROUP = "Editors"
# The groups that make a role, in the order db.token_user() reads them with a token.
ROLE_GROUPS = (REVIEWERS_GROUP, EDITORS_GROUP)

User = AbstractBaseUser | AnonymousUser


def _group_names(user: User) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_factcheck_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._factcheck_groups = cached
    return cached


def remember_groups(user: User, names: set[str]) -> None:
    """Cache the user's role groups when they were read together with the user (the API's token
    authentication does so): the checks below then make no query."""
    user._factcheck_groups = set(names)


def user_is_editor(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or EDITORS_GROUP in _group_names(user))


def user_is_reviewer(user: User) -> bool:
    """Reviewers and editors (an editor can do everything a reviewer can)."""
    return user_is_editor(user) or REVIEWERS_GROUP in _group_names(user)


UNLOCK_REFUSAL = gettext_lazy("Only editors can lift log-in locks.")


def can_unlock_logins(user: User) -> bool:
    """Editors (superusers count as editors) lift log-in lockouts, for any account and address: a
    colleague who mistyped their password should not wait for an administrator. Administrators can
    also do it in the admin and with manage.py axes_reset*."""
    return user_is_editor(user)


def can_edit_annotation(user: User, annotation: Annotation) -> bool:
    """Editors edit any verdict; authors their own while it is a draft or returned for changes."""
    if user_is_editor(user):
        return True
    return user_is_reviewer(user) and annotation.author_id == user.pk and annotation.state in workflow.AUTHOR_EDITABLE


# Why an author may not change their own verdict in this state, by what they tried; and why anyone
# else may not. One whole sentence each, so that each can be translated as a whole.
AUTHOR_EDIT_REFUSALS = {
    (State.DRAFT, "edit"): gettext_lazy(
        "This verdict is draft: ask an editor to reopen it or return it before you edit it."
    ),
    (State.DRAFT, "delete"): gettext_lazy(
        "This verdict is draft: ask an editor to reopen it or return it before you delete it."
    ),
    (State.DRAFT, "link"): gettext_lazy(
        "This verdict is draft: ask an editor to reopen it or return it before you link it."
    ),
    (State.DRAFT, "unlink"): gettext_lazy(
        "This verdict is draft: ask an editor to reopen it or return it before you unlink it."
    ),
    (State.SUBMITTED, "edit"): gettext_lazy(
        "This verdict is submitted: ask an editor to reopen it or return it before you edit it."
    ),
    (State.SUBMITTED, "delete"): gettext_lazy(
        "This verdict is submitted: ask an editor to reopen it or return it before you delete it."
    ),
    (State.SUBMITTED, "link"): gettext_lazy(
        "This verdict is submitted: ask an editor to reopen it or return it before you link it."
    ),
    (State.SUBMITTED, "unlink"): gettext_lazy(
        "This verdict is submitted: ask an editor to reopen it or return it before you unlink it."
    ),
    (State.APPROVED, "edit"): gettext_lazy(
        "This verdict is approved: ask an editor to reopen it or return it before you edit it."
    ),
    (State.APPROVED, "delete"): gettext_lazy(
        "This verdict is approved: ask an editor to reopen it or return it before you delete it."
    ),
    (State.APPROVED, "link"): gettext_lazy(
        "This verdict is approved: ask an editor to reopen it or return it before you link it."
    ),
    (State.APPROVED, "unlink"): gettext_lazy(
        "This verdict is approved: ask an editor to reopen it or return it before you unlink it."
    ),
    (State.CHANGES_REQUESTED, "edit"): gettext_lazy(
        "This verdict is changes requested: ask an editor to reopen it or return it before you edit it."
    ),
    (State.CHANGES_REQUESTED, "delete"): gettext_lazy(
        "This verdict is changes requested: ask an editor to reopen it or return it before you delete it."
    ),
    (State.CHANGES_REQUESTED, "link"): gettext_lazy(
        "This verdict is changes requested: ask an editor to reopen it or return it before you link it."
    ),
    (State.CHANGES_REQUESTED, "unlink"): gettext_lazy(
        "This verdict is changes requested: ask an editor to reopen it or return it before you unlink it."
    ),
}
OTHERS_EDIT_REFUSALS = {
    "edit": gettext_lazy("Only its author or an editor can edit this verdict."),
    "delete": gettext_lazy("Only its author or an editor can delete this verdict."),
    "link": gettext_lazy("Only its author or an editor can link this verdict."),
    "unlink": gettext_lazy("Only its author or an editor can unlink this verdict."),
}


def edit_refusal(user: User, annotation: Annotation, verb: str) -> str:
    """Why this user may not edit (or delete, link, unlink: `verb`) this verdict, in words for them."""
    if user_is_reviewer(user) and annotation.author_id == user.pk:
        return str(AUTHOR_EDIT_REFUSALS[annotation.state, verb])
    return str(OTHERS_EDIT_REFUSALS[verb])


def can_restore_annotation(user: User, annotation: Annotation) -> bool:
    """An editor at any time; whoever deleted it within FACTCHECK_UNDO_SECONDS."""
    if not annotation.is_deleted:
        return False
    if user_is_editor(user):
        return True
    window = timedelta(seconds=settings.FACTCHECK_UNDO_SECONDS)
    return annotation.deleted_by_id == user.pk and timezone.now() - annotation.deleted_at <= window


def can_resolve_orphan(user: User, annotation: Annotation) -> bool:
    """Who may re-select an orphan's text or close it: its author (still a reviewer) or an editor."""
    if user_is_editor(user):
        return True
    return annotation.author_id == user.pk and user_is_reviewer(user)


def may_see_orphans(user: User) -> bool:
    """The orphan queue is for reviewers (their own orphans) and editors (every orphan)."""
    return user_is_reviewer(user)


def can_discuss(user: User, annotation: Annotation) -> bool:
    """Who may read and write a verdict's discussion, among those who may see the verdict
    (selectors.visibility_filter decides that; callers find the verdict through it first): its
    author and editors always; the desk's other reviewers once it has left the draft state. Outsiders
    (logged in, in neither group) may see a submitted verdict but not the desk's discussion of it."""
    if annotation.is_deleted or not user_is_reviewer(user):
        return False
    return user_is_editor(user) or annotation.author_id == user.pk or annotation.state != State.DRAFT


DISCUSS_REFUSAL = gettext_lazy(
    "Only its author, editors and, once it is submitted, reviewers can discuss this verdict."
)


def comment_edit_refusal(user: User, comment: Comment, *, now=None) -> str | None:
    """Why this user may not edit this comment (None: they may). Its writer, for
    FACTCHECK_COMMENT_EDIT_SECONDS after writing it (later, a reply may already answer the words as
    they were); never once deleted."""
    if comment.is_deleted:
        return _("This comment was deleted.")
    if comment.author_id != user.pk:
        return _("Only its writer can edit a comment.")
    window = timedelta(seconds=settings.FACTCHECK_COMMENT_EDIT_SECONDS)
    if (now or timezone.now()) - comment.created_at > window:
        return _("A comment can be edited for %(duration)s after it is written: write a new one.") % {
            "duration": _duration(window)
        }
    return None


def _duration(window: timedelta) -> str:
    minutes, seconds = divmod(int(window.total_seconds()), 60)
    if seconds or not minutes:
        total = int(window.total_seconds())
        return ngettext("%(count)s second", "%(count)s seconds", total) % {"count": total}
    return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}


def comment_delete_refusal(user: User, comment: Comment) -> str | None:
    """Why this user may not delete this comment (None: they may): its writer or an editor, at any
    time; the thread keeps "deleted by X" in its place."""
    if comment.is_deleted:
        return _("This comment was already deleted.")
    if comment.author_id != user.pk and not user_is_editor(user):
        return _("Only its writer or an editor can delete a comment.")
    return None


def contributors(events) -> set[int]:
    """Who changed a verdict's substance since it was last submitted: the ids of the actors of
    `edit` events with changes after the latest `submit` (events oldest first, as
    (action, actor_id, changes) tuples). They may not approve it (four eyes)."""
    changed: set[int] = set()
    for action, actor_id, changes in events:
        if action == Action.SUBMIT:
            changed.clear()
        elif action == Action.EDIT and changes:
            changed.add(actor_id)
    return changed


def transition_refusal(
    user: User, annotation: Annotation, transition: workflow.Transition, *, contributors: set[int] = frozenset()
) -> str | None:
    """Why this user may not make this move (None: they may). Authors submit; editors review,
    never a verdict they wrote, nor one whose substance they changed since it was submitted
    (`contributors()`), unless FACTCHECK_ALLOW_SELF_APPROVAL
    (reopening is not a review)."""
    if transition.by_editor:
        if not user_is_editor(user):
            return str(EDITORS_ONLY[transition.action])
        if transition.action != Action.REOPEN and not settings.FACTCHECK_ALLOW_SELF_APPROVAL:
            if annotation.author_id == user.pk:
                return str(NOT_YOUR_OWN[transition.action])
            if user.pk in contributors:
                return str(NOT_AFTER_CHANGING[transition.action])
    elif annotation.author_id != user.pk:
        return _("Only its author can submit this verdict.")
    return None


# transition_refusal's reasons, one whole sentence for each move.
EDITORS_ONLY = {
    Action.APPROVE: gettext_lazy("Only editors can approve verdicts."),
    Action.REQUEST_CHANGES: gettext_lazy("Only editors can return verdicts."),
    Action.REOPEN: gettext_lazy("Only editors can reopen verdicts."),
}
NOT_YOUR_OWN = {
    Action.APPROVE: gettext_lazy("You cannot approve your own verdict: another editor must review it."),
    Action.REQUEST_CHANGES: gettext_lazy("You cannot return your own verdict: another editor must review it."),
}
NOT_AFTER_CHANGING = {
    Action.APPROVE: gettext_lazy(
        "You changed this verdict since it was submitted, so you cannot approve it: another editor must review it."
    ),
    Action.REQUEST_CHANGES: gettext_lazy(
        "You changed this verdict since it was submitted, so you cannot return it: another editor must review it."
    ),
}


def annotation_actions(user: User, annotation: Annotation, *, contributors: set[int] = frozenset()) -> frozenset[str]:
    """What this user may do to this verdict now ("edit", "delete", "submit", "approve",
    "request_changes", "reopen"), by the same rules the writes apply: the pages show only these."""
    if annotation.is_deleted:
        return frozenset()
    actions = {"edit", "delete"} if can_edit_annotation(user, annotation) else set()
    for action in workflow.allowed_actions(annotation.state):
        refusal = transition_refusal(user, annotation, workflow.TRANSITIONS[action], contributors=contributors)
        if refusal is None:
            actions.add(action)
    return frozenset(actions)
