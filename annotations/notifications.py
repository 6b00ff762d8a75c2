"""Who is told what: the one statement of who receives each kind of notification, and the writes
that record notifications, mark them read, keep each user's e-mail choices and send the e-mails.

Services call `verdict_decided`, `comment_written` and `assignment_made` inside their transaction;
the due-date reminder task calls `due_reminders`. The rule, for every kind:
- never the person who caused it, never an inactive account;
- never anyone who may not see the verdict and read its discussion (selectors.readers_of: so a
  draft's events reach only its author and the editors, and of the editors only those who have
  acted on it: commented, or decided it);
- returned / approved / reopened: the verdict's author;
- comment: the verdict's author and everyone who took part in its discussion (a comment, or a
  review move with a comment); mention: whoever the comment names (a mention wins over a comment);
- assigned: the reviewer assigned; due: the reviewer of an open assignment due tomorrow, once.
E-mail, when the recipient wants it for that kind (`wants_email`), is queued as a background task
once the transaction commits (tasks.email_notification), never sent in the request.
"""

from datetime import date, timedelta
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import languages, records
from .models import (
    Action,
    Annotation,
    AnnotationEvent,
    Assignment,
    Comment,
    EmailState,
    Notification,
    NotificationKind,
    NotificationPreference,
    State,
)
from .parsing import BIGINT_MAX
from .selectors import readers_of

logger = logging.getLogger(__name__)

DECIDED = {
    Action.APPROVE: NotificationKind.APPROVED,
    Action.REQUEST_CHANGES: NotificationKind.RETURNED,
    Action.REOPEN: NotificationKind.REOPENED,
}


# --- Who receives ---------------------------------------------------------------------------------


def verdict_decided(*, annotation: Annotation, actor, action: str, message: str = "") -> list[Notification]:
    """An editor approved, returned or reopened a verdict: its author is told (with the comment)."""
    kind = DECIDED.get(action)
    if kind is None or annotation.author_id == actor.pk:
        return []
    author = get_user_model().objects.get(pk=annotation.author_id)
    return _store(
        [(user, kind) for user in readers_of(annotation, [author])], annotation=annotation, actor=actor, message=message
    )


def comment_written(*, comment: Comment, mentioned: list) -> list[Notification]:
    """A comment in a verdict's discussion: those it mentions (kind mention), and the verdict's author
    and the discussion's other participants (kind comment). On a draft, of the editors only those
    who have already taken part, even when mentioned."""
    annotation = comment.annotation
    took_part = _participants(annotation, before=comment)
    if annotation.state == State.DRAFT:
        mentioned = [user for user in mentioned if user.pk in took_part]
    named = {user.pk for user in mentioned}
    others = get_user_model().objects.filter(pk__in=took_part - named)
    everyone = [user for user in [*mentioned, *others] if user.pk != comment.author_id]
    kinds = [(user, NotificationKind.MENTION if user.pk in named else NotificationKind.COMMENT) for user in everyone]
    allowed = {user.pk for user in readers_of(annotation, [user for user, _ in kinds])}
    return _store(
        [(user, kind) for user, kind in kinds if user.pk in allowed],
        annotation=annotation,
        actor=comment.author,
        comment=comment,
    )


def mentions_added(*, comment: Comment, mentioned: list) -> list[Notification]:
    """An edited comment names someone it did not name before: they are told (kind mention), by the
    rule of comment_written; nobody else is told of an edit."""
    annotation = comment.annotation
    if annotation.state == State.DRAFT:
        took_part = _participants(annotation, before=comment)
        mentioned = [user for user in mentioned if user.pk in took_part]
    named = [user for user in readers_of(annotation, mentioned) if user.pk != comment.author_id]
    return _store(
        [(user, NotificationKind.MENTION) for user in named],
        annotation=annotation,
        actor=comment.author,
        comment=comment,
    )


def _participants(annotation: Annotation, *, before: Comment) -> set[int]:
    """The verdict's author and whoever wrote in its discussion before this comment: a comment not
    deleted, or a review move with a comment (it shows in the thread)."""
    wrote = Comment.objects.filter(annotation=annotation, deleted_at=None).exclude(pk=before.pk).values("author_id")
    decided = (
        AnnotationEvent.objects.filter(annotation=annotation, action__in=list(DECIDED))
        .exclude(comment="")
        .values("actor_id")
    )
    people = {row["author_id"] for row in wrote} | {row["actor_id"] for row in decided}
    return people | {annotation.author_id}


def assignment_made(*, assignment: Assignment) -> list[Notification]:
    """An editor assigned an article: the reviewer is told (not when they assigned themselves)."""
    reviewer = assignment.reviewer
    if reviewer.pk == assignment.assigned_by_id or not reviewer.is_active:
        return []
    return _store(
        [(reviewer, NotificationKind.ASSIGNED)],
        article_id=assignment.article_id,
        actor=assignment.assigned_by,
        assignment=assignment,
    )


def due_reminders(*, today: date) -> list[Notification]:
    """Every open assignment due tomorrow whose reviewer is active and has not been reminded of it:
    one reminder each (the `one_due_reminder` constraint keeps a second run, or two at once, from
    reminding twice)."""
    due = (
        Assignment.objects.filter(removed_at=None, due=today + timedelta(days=1), reviewer__is_active=True)
        .exclude(pk__in=Notification.objects.filter(kind=NotificationKind.DUE).values("assignment_id"))
        .select_related("reviewer")
    )
    made = []
    for assignment in due:
        try:
            with transaction.atomic():
                made += _store(
                    [(assignment.reviewer, NotificationKind.DUE)],
                    article_id=assignment.article_id,
                    assignment=assignment,
                )
        except IntegrityError:  # another run reminded them first
            continue
    return made


# --- Recording and e-mail -------------------------------------------------------------------------


def wants_email(user, kind: str, choices: dict[str, bool]) -> bool:
    """E-mail goes to an active account with an address that did not turn this kind off."""
    return bool(user.is_active and user.email and choices.get(kind, True))


def email_choices(*, user) -> dict[str, bool]:
    """Each kind and whether this user wants e-mail for it (yes unless they said no)."""
    stored = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return {kind: stored.get(kind, True) for kind in NotificationKind.values}


def _store(recipients: list, *, annotation: Annotation | None = None, article_id: int | None = None, **fields):
    """Record one notification per (user, kind); queue the e-mail of those who want it."""
    if not recipients:
        return []
    stored = NotificationPreference.objects.filter(user__in=[user for user, _ in recipients])
    choices: dict[int, dict[str, bool]] = {}
    for user_id, kind, email in stored.values_list("user_id", "kind", "email"):
        choices.setdefault(user_id, {})[kind] = email
    now = timezone.now()
    made = Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind=kind,
            annotation=annotation,
            article_id=annotation.article_id if annotation else article_id,
            created_at=now,
            email=EmailState.QUEUED if wants_email(user, kind, choices.get(user.pk, {})) else EmailState.NONE,
            **fields,
        )
        for user, kind in recipients
    )
    from .tasks import email_notification  # here: tasks imports this module

    for notification in made:
        if notification.email == EmailState.QUEUED:
            transaction.on_commit(lambda pk=notification.pk: email_notification.enqueue(pk))
    return made


def email_send(*, notification_id: int) -> str:
    """Send one queued notification's e-mail (the background task's work). The rule is asked again
    (the recipient may have turned it off, or left, since). A failure is counted and raised (the
    task result keeps the traceback); the caller retries until FACTCHECK_EMAIL_ATTEMPTS, then the
    notification is marked failed and the error logged."""
    notification = (
        Notification.objects.select_related("recipient", "actor", "annotation", "comment", "assignment")
        .select_related("article")
        .defer("article__body", "annotation__note")
        .filter(pk=notification_id, email=EmailState.QUEUED)
        .first()
    )
    if notification is None:
        return "nothing to send"
    recipient = notification.recipient
    if not wants_email(recipient, notification.kind, email_choices(user=recipient)):
        Notification.objects.filter(pk=notification.pk).update(email=EmailState.NONE)
        return "not wanted"
    with translation.override(languages.language_for(recipient)):  # in the language the recipient chose
        subject, text = records.notification_email(notification, site=settings.FACTCHECK_SITE_URL)
    attempts = notification.email_attempts + 1
    try:
        send_mail(subject, text, None, [recipient.email])
    except Exception:
        failed = attempts >= settings.FACTCHECK_EMAIL_ATTEMPTS
        Notification.objects.filter(pk=notification.pk).update(
            email_attempts=attempts, email=EmailState.FAILED if failed else EmailState.QUEUED
        )
        log = logger.error if failed else logger.warning
        log(
            "E-mail of notification %s to %s failed (attempt %s of %s)",
            notification.pk,
            recipient.email,
            attempts,
            settings.FACTCHECK_EMAIL_ATTEMPTS,
            exc_info=True,
        )
        raise
    Notification.objects.filter(pk=notification.pk).update(
        email=EmailState.SENT, email_attempts=attempts, emailed_at=timezone.now()
    )
    return "sent"


def email_retry_after(*, notification_id: int):
    """When to try a failed e-mail again (None: no more tries): FACTCHECK_EMAIL_RETRY_SECONDS after
    the first failure, twice that after the second, …"""
    notification = Notification.objects.filter(pk=notification_id, email=EmailState.QUEUED).first()
    if notification is None or notification.email_attempts == 0:
        return None
    wait = settings.FACTCHECK_EMAIL_RETRY_SECONDS * 2 ** (notification.email_attempts - 1)
    return timezone.now() + timedelta(seconds=wait)


# --- The recipient's writes -----------------------------------------------------------------------


def _ids(values) -> list[int]:
    if not isinstance(values, list) or not values:
        raise ValidationError({"ids": _("Give a list of notification ids, or all: true.")})
    if len(values) > 500:
        raise ValidationError({"ids": _("At most %(count)s ids at once.") % {"count": 500}})
    if any(type(value) is not int or not 1 <= value <= BIGINT_MAX for value in values):
        raise ValidationError({"ids": _("Every id must be a whole number.")})
    return values


def notifications_read(*, user, ids: list | None = None, everything: bool = False) -> int:
    """Mark the user's own unread notifications read: these `ids` (others' ids are ignored: they
    name nothing of this user's) or all of them. Returns how many were marked."""
    unread = Notification.objects.filter(recipient=user, read_at=None)
    if not everything:
        unread = unread.filter(pk__in=_ids(ids))
    return unread.update(read_at=timezone.now())


def notification_open(*, user, pk: int) -> Notification | None:
    """The user's own notification, marked read (following its link reads it); None if it is not theirs."""
    notification = Notification.objects.filter(Q(recipient=user), pk=pk).select_related("article").first()
    if notification is not None and notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=pk).update(read_at=notification.read_at)
    return notification


@transaction.atomic
def email_choices_set(*, user, wanted: set[str]) -> dict[str, bool]:
    """Keep the user's choice, for every kind, of whether e-mail is sent (in-app notifications are
    always kept). Unknown kinds are refused (ValidationError on `kinds`)."""
    unknown = set(wanted) - set(NotificationKind.values)
    if unknown:
        raise ValidationError({"kinds": _("Unknown kind: %(kinds)s.") % {"kinds": ", ".join(sorted(unknown))}})
    for kind in NotificationKind.values:
        NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"email": kind in wanted})
    return email_choices(user=user)
