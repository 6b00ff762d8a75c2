"""Every write and every rule of factcheck. Views, forms, the API and the
management commands call these functions; none of them re-implements a rule."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from . import workflow
from .anchoring import SpanError, anchor_span
from .models import (
    Action,
    Annotation,
    AnnotationEvent,
    AnnotationSource,
    Article,
    Relation,
    Sentence,
    Source,
    State,
    Status,
)
from .segmentation import normalize_text, split_sentences
from .weburls import UrlError, normalize_url

REVIEWERS_GROUP = "Reviewers"
EDITORS_GROUP = "Editors"

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
    """Cache the user's group names for the roles checks below, when they were read together with
    the user (api.authentication does so with the token): one query fewer on every API request."""
    user._factcheck_groups = set(names)


def user_is_editor(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or EDITORS_GROUP in _group_names(user))


def user_is_reviewer(user: User) -> bool:
    """Reviewers and editors (an editor can do everything a reviewer can)."""
    return user_is_editor(user) or REVIEWERS_GROUP in _group_names(user)


def token_is_expired(*, created: datetime) -> bool:
    """An API token is refused FACTCHECK_TOKEN_TTL_HOURS after it was issued (0: never)."""
    hours = settings.FACTCHECK_TOKEN_TTL_HOURS
    return hours > 0 and created <= timezone.now() - timedelta(hours=hours)


def token_issue(*, user: AbstractBaseUser) -> Token:
    """The user's API token after a successful log-in: the current one, or a new one (new key, new
    expiry) when there is none or it has expired. A user has at most one token."""
    with transaction.atomic():
        token, created = Token.objects.select_for_update().get_or_create(user=user)
        if not created and token_is_expired(created=token.created):
            token.delete()
            token = Token.objects.create(user=user)
    return token


def token_revoke(*, user: AbstractBaseUser) -> bool:
    """Delete the user's API token; False when there was none. Every client using it gets 401."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted > 0


def body_sha256(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def article_import(
    *,
    title: str,
    body: str,
    imported_by: User | None,
    url: str = "",
    publisher: str = "",
    published_at: date | None = None,
    language: str = "en",
) -> Article:
    """Store an article and its sentences.

    Rules: the body is normalised (NFC, `\\n`) and must not be empty or larger
    than FACTCHECK_MAX_ARTICLE_BYTES; a body already stored is refused with a
    message naming the existing article; a person importing must be a reviewer
    or editor (`imported_by=None` is the system: management commands).
    Side effects: one Article and its Sentence rows, in one transaction.
    """
    if imported_by is not None and not user_is_reviewer(imported_by):
        raise PermissionDenied("Only reviewers and editors can add articles.")
    body = normalize_text(body)
    title = " ".join(title.split())
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = ["Give the article a title."]
    if not body.strip():
        errors["body"] = ["The article text is empty."]
    elif len(body.encode("utf-8")) > settings.FACTCHECK_MAX_ARTICLE_BYTES:
        errors["body"] = [
            f"The article text is {len(body.encode('utf-8')):,} bytes; "
            f"the limit is {settings.FACTCHECK_MAX_ARTICLE_BYTES:,} bytes."
        ]
    language = (language or "en").strip()
    if not language or len(language) > 16 or not language.replace("-", "").isalnum():
        errors["language"] = ["Use a language code such as en, ur or pt-BR."]
    if errors:
        raise ValidationError(errors)

    digest = body_sha256(body)
    with transaction.atomic():
        existing = Article.objects.filter(body_sha256=digest).first()
        if existing is not None:
            duplicate = ValidationError(
                "This text is already stored as article #%(pk)s, “%(title)s”.",
                code="duplicate",
                params={"pk": existing.pk, "title": existing.title},
            )
            raise ValidationError({"body": [duplicate]})
        article = Article.objects.create(
            title=title,
            body=body,
            body_sha256=digest,
            url=url.strip(),
            publisher=publisher.strip(),
            published_at=published_at,
            language=language,
            imported_by=imported_by if imported_by is not None and imported_by.is_authenticated else None,
        )
        Sentence.objects.bulk_create(
            Sentence(article=article, index=s.index, paragraph=s.paragraph, start=s.start, end=s.end)
            for s in split_sentences(body, language)
        )
    return article


# --- Sources -------------------------------------------------------------------------------------

MAX_NOTE_LENGTH = 10_000
MAX_SOURCES_PER_VERDICT = 50


def source_get_or_create(
    *,
    url: str,
    title: str,
    created_by: User,
    publisher: str = "",
    published_at: date | None = None,
    archive_url: str = "",
) -> tuple[Source, bool]:
    """Find the source with this normalised URL, or store a new one.

    Rules: http(s) only; the URL is normalised (lower-case host, no fragment,
    no tracking parameters); a new source needs a title; an archive URL, when
    given, is http(s) too. An existing source is returned unchanged.
    Returns (source, created).
    """
    if not user_is_reviewer(created_by):
        raise PermissionDenied("Only reviewers and editors can add sources.")
    errors: dict[str, list[str]] = {}
    try:
        normalized = normalize_url(url)
    except UrlError as exc:
        errors["url"] = [str(exc)]
    archive = ""
    if archive_url.strip():
        try:
            archive = normalize_url(archive_url)
        except UrlError as exc:
            errors["archive_url"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    existing = Source.objects.filter(url=normalized).first()
    if existing is not None:
        return existing, False
    title = " ".join(title.split())
    if not title:
        raise ValidationError({"title": ["Give the source a title."]})
    with transaction.atomic():
        source, created = Source.objects.get_or_create(
            url=normalized,
            defaults={
                "title": title[:500],
                "publisher": publisher.strip()[:200],
                "published_at": published_at,
                "archive_url": archive,
                "created_by": created_by,
            },
        )
    return source, created


# --- Annotations ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceLink:
    source: Source
    relation: str
    pinpoint: str = ""


class VersionConflict(Exception):
    """A write based on an older version of the annotation than the stored one."""

    def __init__(self, annotation: Annotation, event: AnnotationEvent | None):
        self.annotation = annotation
        self.event = event
        super().__init__(self.message)

    @property
    def message(self) -> str:
        who = self.event.actor.get_username() if self.event else self.annotation.author.get_username()
        when = timezone.localtime(self.event.at if self.event else self.annotation.updated_at)
        return (
            f"This verdict was changed by {who} at {when:%H:%M:%S} (now version {self.annotation.version}, "
            f"{self.annotation.get_state_display().lower()}, {self.annotation.get_status_display().lower()}). "
            "Reload to see the current version before you act on it."
        )


def can_view_annotation(user: User, annotation: Annotation) -> bool:
    """Drafts are seen by their author and editors only; everything else by every logged-in user."""
    if not user.is_authenticated:
        return False
    return annotation.state != State.DRAFT or annotation.author_id == user.pk or user_is_editor(user)


def _verdict_errors(*, status: str, denied_by: str, note: str, claimant: str, sources: list[SourceLink]) -> dict:
    """The rules of a verdict, shared by create and update."""
    errors: dict[str, list[str]] = {}
    if status not in Status.values:
        errors["status"] = ["Choose alleged, denied, unverified or evidenced."]
    if status == Status.DENIED and not denied_by.strip():
        errors["denied_by"] = ["Name who denied it: a denied verdict records the party that denied the claim."]
    if status == Status.EVIDENCED and not any(link.relation == Relation.SUPPORTS for link in sources):
        errors["sources"] = ["An evidenced verdict needs at least one source that supports it."]
    if len(note) > MAX_NOTE_LENGTH:
        errors["note"] = [f"Keep the note under {MAX_NOTE_LENGTH:,} characters (it has {len(note):,})."]
    if len(claimant) > 200:
        errors["claimant"] = ["Keep the claimant under 200 characters."]
    if len(denied_by) > 200:
        errors["denied_by"] = ["Keep who denied it under 200 characters."]
    if len(sources) > MAX_SOURCES_PER_VERDICT:
        errors.setdefault("sources", []).append(
            f"Link at most {MAX_SOURCES_PER_VERDICT} sources to one verdict (it has {len(sources):,})."
        )
    seen = set()
    for link in sources:
        if link.relation not in Relation.values:
            errors.setdefault("sources", []).append(f"“{link.relation}” is not a relation.")
        if (link.source.pk, link.relation) in seen:
            errors.setdefault("sources", []).append(f"“{link.source.title}” is linked twice as {link.relation}.")
        seen.add((link.source.pk, link.relation))
        if len(link.pinpoint) > 500:
            errors.setdefault("sources", []).append("Keep each pinpoint under 500 characters.")
    return errors


def _links_snapshot(annotation: Annotation) -> list[str]:
    return [
        f"{link.relation}: {link.source.url}" + (f" ({link.pinpoint})" if link.pinpoint else "")
        for link in annotation.source_links.select_related("source").order_by("position", "id")
    ]


def _new_links(sources: list[SourceLink]) -> list[AnnotationSource]:
    return [
        AnnotationSource(source=link.source, relation=link.relation, pinpoint=link.pinpoint.strip(), position=position)
        for position, link in enumerate(sources)
    ]


def _replace_source_links(annotation: Annotation, sources: list[SourceLink]) -> None:
    annotation.source_links.all().delete()
    links = _new_links(sources)
    for link in links:
        link.annotation = annotation
    AnnotationSource.objects.bulk_create(links)


def _event(
    annotation: Annotation,
    *,
    actor: User,
    action: str,
    from_state: str,
    from_status: str,
    comment: str = "",
    changes: list | None = None,
) -> AnnotationEvent:
    return AnnotationEvent(
        annotation=annotation,
        actor=actor,
        at=annotation.updated_at,
        action=action,
        from_state=from_state,
        to_state=annotation.state,
        from_status=from_status,
        to_status=annotation.status,
        comment=comment,
        changes=changes or [],
    )


def _record(annotation: Annotation, **fields) -> AnnotationEvent:
    """Save the event that _event() describes."""
    recorded = _event(annotation, **fields)
    recorded.save(force_insert=True)
    return recorded


def _insert_fields(model: type[models.Model]) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields if not field.primary_key]


@cache
def _new_verdict_sql() -> str:
    """PostgreSQL: a new annotation, its `create` event and its source links in one statement.

    Data-modifying CTEs run exactly once, together, so the statement is atomic on its own: no
    BEGIN and COMMIT, and one round trip to the server instead of four or five (creating verdicts
    is the busiest write). Columns come from the models' metadata, every value is a parameter, and
    the links arrive as four arrays (source, relation, pinpoint, position), one element per link.
    """
    quote = connection.ops.quote_name
    event_annotation = AnnotationEvent._meta.get_field("annotation")
    link = AnnotationSource._meta

    def columns(fields: list[models.Field]) -> str:
        return ", ".join(quote(field.column) for field in fields)

    annotation_fields, event_fields = _insert_fields(Annotation), _insert_fields(AnnotationEvent)
    placeholders = ", ".join(["%s"] * len(annotation_fields))
    event_values = ", ".join("(SELECT id FROM a)" if field is event_annotation else "%s" for field in event_fields)
    link_columns = [link.get_field(name) for name in ("annotation", "source", "relation", "pinpoint", "position")]
    # Only identifiers, quoted by the backend from the models' metadata, are put into the text.
    return (
        f"WITH a AS (INSERT INTO {quote(Annotation._meta.db_table)} ({columns(annotation_fields)}) "  # noqa: S608
        f"VALUES ({placeholders}) RETURNING {quote(Annotation._meta.pk.column)} AS id), "
        f"l AS (INSERT INTO {quote(link.db_table)} ({columns(link_columns)}) "
        "SELECT a.id, s.* FROM a, unnest(%s::bigint[], %s::text[], %s::text[], %s::integer[]) s) "
        f"INSERT INTO {quote(AnnotationEvent._meta.db_table)} ({columns(event_fields)}) VALUES ({event_values}) "
        f"RETURNING {quote(event_annotation.column)}, {quote(AnnotationEvent._meta.pk.column)}"
    )


def _db_values(instance: models.Model, fields: list[models.Field]) -> list:
    """The values the ORM would write for these fields of a new instance."""
    return [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]


def _insert_new_verdict(annotation: Annotation, event: AnnotationEvent, links: list[AnnotationSource]) -> None:
    """Write a new annotation with its first event and its source links (all unsaved), atomically."""
    if connection.vendor != "postgresql":
        with transaction.atomic():
            annotation.save(force_insert=True)
            event.annotation = annotation
            event.save(force_insert=True)
            for link in links:
                link.annotation = annotation
            AnnotationSource.objects.bulk_create(links)
        return
    event_fields = [field for field in _insert_fields(AnnotationEvent) if field.name != "annotation"]
    arrays = [[getattr(link, name) for link in links] for name in ("source_id", "relation", "pinpoint", "position")]
    with connection.cursor() as cursor:
        cursor.execute(
            _new_verdict_sql(),
            [*_db_values(annotation, _insert_fields(Annotation)), *arrays, *_db_values(event, event_fields)],
        )
        annotation.pk, event.pk = cursor.fetchone()
    for instance in (annotation, event):
        instance._state.adding, instance._state.db = False, connection.alias
    event.annotation = annotation


def annotation_create(
    *,
    article: Article,
    author: User,
    start: int,
    end: int,
    quote: str,
    status: str,
    note: str = "",
    claimant: str = "",
    denied_by: str = "",
    sources: list[SourceLink] | None = None,
) -> Annotation:
    """Record a verdict on `article.body[start:end]`, as a draft.

    Rules: reviewers and editors only; the span must match the body exactly
    (see anchoring.anchor_span); `denied` names who denied it; `evidenced`
    has a `supports` source. Side effects: one Annotation with its source
    links (quote, prefix and suffix stored for re-anchoring) and a `create` event.
    """
    if not user_is_reviewer(author):
        raise PermissionDenied("Only reviewers and editors can record verdicts.")
    sources = sources or []
    errors = _verdict_errors(status=status, denied_by=denied_by, note=note, claimant=claimant, sources=sources)
    try:
        anchor = anchor_span(article.body, start=start, end=end, quote=quote)
    except SpanError as exc:
        errors["quote"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    annotation = Annotation(
        article=article,
        author=author,
        created_at=now,
        updated_at=now,
        start=anchor.start,
        end=anchor.end,
        quote=anchor.quote,
        prefix=anchor.prefix,
        suffix=anchor.suffix,
        status=status,
        note=note,
        claimant=claimant.strip(),
        denied_by=denied_by.strip() if status == Status.DENIED else "",
    )
    event = _event(annotation, actor=author, action=Action.CREATE, from_state="", from_status="")
    _insert_new_verdict(annotation, event, _new_links(sources))
    return annotation


def can_edit_annotation(user: User, annotation: Annotation) -> bool:
    """Editors edit any verdict; authors their own while it is a draft or returned for changes."""
    if user_is_editor(user):
        return True
    return user_is_reviewer(user) and annotation.author_id == user.pk and annotation.state in workflow.AUTHOR_EDITABLE


def _edit_refusal(user: User, annotation: Annotation, verb: str) -> str:
    if user_is_reviewer(user) and annotation.author_id == user.pk:
        return (
            f"This verdict is {annotation.get_state_display().lower()}: "
            f"ask an editor to reopen it or return it before you {verb} it."
        )
    return f"Only its author or an editor can {verb} this verdict."


def _lock(annotation: Annotation, version: int | None) -> Annotation:
    """Re-read the row inside the transaction (locked on PostgreSQL) and check the version."""
    current = Annotation.objects.select_for_update().select_related("author", "article").get(pk=annotation.pk)
    if version is not None and current.version != version:
        last = current.events.select_related("actor").order_by("-at", "-id").first()
        raise VersionConflict(current, last)
    return current


def annotation_update(
    *,
    annotation: Annotation,
    actor: User,
    version: int,
    status: str,
    note: str = "",
    claimant: str = "",
    denied_by: str = "",
    sources: list[SourceLink] | None = None,
) -> Annotation:
    """Change a verdict's status, note, attribution and sources.

    Rules: the author while draft or changes_requested, or an editor; same
    verdict rules as create; `version` must be the stored version, otherwise
    VersionConflict (nothing is overwritten). An editor's edit of an approved
    verdict makes it submitted again (workflow.state_after_edit).
    Side effects: version + 1, links replaced, one `edit` event listing the
    changed fields with old and new values.
    """
    sources = sources or []
    errors = _verdict_errors(status=status, denied_by=denied_by, note=note, claimant=claimant, sources=sources)
    with transaction.atomic():
        current = _lock(annotation, version)
        if current.is_deleted:
            raise ValidationError("This verdict was deleted.")
        if not can_edit_annotation(actor, current):
            raise PermissionDenied(_edit_refusal(actor, current, "edit"))
        if errors:
            raise ValidationError(errors)
        before = {
            "status": current.status,
            "note": current.note,
            "claimant": current.claimant,
            "denied_by": current.denied_by,
            "sources": _links_snapshot(current),
        }
        from_state, from_status = current.state, current.status
        current.status = status
        current.note = note
        current.claimant = claimant.strip()
        current.denied_by = denied_by.strip() if status == Status.DENIED else ""
        _replace_source_links(current, sources)
        after = {
            "status": current.status,
            "note": current.note,
            "claimant": current.claimant,
            "denied_by": current.denied_by,
            "sources": _links_snapshot(current),
        }
        # A list, not a dict: PostgreSQL's jsonb reorders object keys, and the timeline shows this order.
        changes = [
            {"field": field, "old": before[field], "new": after[field]}
            for field in before
            if before[field] != after[field]
        ]
        now = timezone.now()
        current.state = workflow.state_after_edit(current.state, by_editor=user_is_editor(actor))
        if current.state == State.SUBMITTED and from_state != State.SUBMITTED:
            current.submitted_at = now
        current.version += 1
        current.updated_at = now
        current.save()
        _record(
            current, actor=actor, action=Action.EDIT, from_state=from_state, from_status=from_status, changes=changes
        )
    return current


def annotation_submit(*, annotation: Annotation, actor: User, version: int) -> Annotation:
    """Send a draft (or a verdict returned for changes) to the editors' queue.

    Rules: the author only; from draft or changes_requested. Side effects:
    state submitted, submitted_at now, version + 1, one `submit` event.
    """
    return _transition(annotation=annotation, actor=actor, version=version, action=Action.SUBMIT)


def annotation_approve(
    *, annotation: Annotation, editor: User, version: int, status: str | None = None, comment: str = ""
) -> Annotation:
    """Approve a submitted verdict, optionally with the editor's own status.

    Rules: editors only, never their own verdict (unless
    FACTCHECK_ALLOW_SELF_APPROVAL); a changed status needs a comment and wins;
    `denied` still needs who denied it, `evidenced` a supporting source.
    Side effects: state approved, reviewer fields and first approval time set,
    version + 1, one `approve` event.
    """
    return _transition(
        annotation=annotation, actor=editor, version=version, action=Action.APPROVE, comment=comment, status=status
    )


def annotation_request_changes(*, annotation: Annotation, editor: User, version: int, comment: str) -> Annotation:
    """Return a submitted verdict to its author. Rules: editors only, not their own, comment required."""
    return _transition(
        annotation=annotation, actor=editor, version=version, action=Action.REQUEST_CHANGES, comment=comment
    )


def annotation_reopen(*, annotation: Annotation, editor: User, version: int, comment: str) -> Annotation:
    """Reopen an approved verdict: it goes back to the queue. Rules: editors only, reason required."""
    return _transition(annotation=annotation, actor=editor, version=version, action=Action.REOPEN, comment=comment)


def _transition_refusal(user: User, annotation: Annotation, transition: workflow.Transition) -> str | None:
    """Why this user may not make this move (None: they may). Editors review, never their own
    verdict unless FACTCHECK_ALLOW_SELF_APPROVAL (reopening is not a review); authors submit."""
    if transition.by_editor:
        if not user_is_editor(user):
            return f"Only editors can {transition.verb} verdicts."
        own = annotation.author_id == user.pk
        if own and transition.action != Action.REOPEN and not settings.FACTCHECK_ALLOW_SELF_APPROVAL:
            return f"You cannot {transition.verb} your own verdict: another editor must review it."
    elif annotation.author_id != user.pk:
        return f"Only its author can {transition.verb} this verdict."
    return None


def annotation_actions(user: User, annotation: Annotation) -> frozenset[str]:
    """What this user may do to this verdict now ("edit", "delete", "submit", "approve",
    "request_changes", "reopen"), by the same rules the writes apply: the pages show only these."""
    if annotation.is_deleted:
        return frozenset()
    actions = {"edit", "delete"} if can_edit_annotation(user, annotation) else set()
    for action in workflow.allowed_actions(annotation.state):
        if _transition_refusal(user, annotation, workflow.TRANSITIONS[action]) is None:
            actions.add(action)
    return frozenset(actions)


def _transition(
    *, annotation: Annotation, actor: User, version: int, action: str, comment: str = "", status: str | None = None
) -> Annotation:
    comment = comment.strip()
    with transaction.atomic():
        current = _lock(annotation, version)
        if current.is_deleted:
            raise ValidationError("This verdict was deleted.")
        try:
            transition = workflow.transition_for(action, current.state)
        except workflow.TransitionError as exc:
            raise ValidationError(str(exc)) from None
        refusal = _transition_refusal(actor, current, transition)
        if refusal:
            raise PermissionDenied(refusal)
        errors: dict[str, list[str]] = {}
        if transition.comment_required and not comment:
            errors["comment"] = [
                "Say why you are reopening it." if action == Action.REOPEN else "Tell the author what to change."
            ]
        from_state, from_status = current.state, current.status
        if action == Action.APPROVE:
            new_status = status or current.status
            if new_status not in Status.values:
                errors["status"] = ["Choose alleged, denied, unverified or evidenced."]
            elif new_status != current.status and not comment:
                errors["comment"] = ["Explain why you change the status: a comment is required."]
            elif new_status == Status.DENIED and not current.denied_by:
                errors["status"] = ["A denied verdict needs who denied it: return it to the author, or edit it first."]
            elif (
                new_status == Status.EVIDENCED and not current.source_links.filter(relation=Relation.SUPPORTS).exists()
            ):
                errors["status"] = ["An evidenced verdict needs at least one source that supports it."]
            if not errors:
                current.status = new_status
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        current.state = transition.target
        if action in {Action.SUBMIT, Action.REOPEN}:
            current.submitted_at = now
        if transition.by_editor:
            current.reviewed_by = actor
            current.reviewed_at = now
            current.review_comment = comment
        if action == Action.APPROVE and current.first_approved_at is None:
            current.first_approved_at = now
        current.version += 1
        current.updated_at = now
        current.save()
        _record(current, actor=actor, action=action, from_state=from_state, from_status=from_status, comment=comment)
    return current


def annotation_delete(*, annotation: Annotation, actor: User, version: int | None = None) -> Annotation:
    """Soft-delete a verdict: it disappears from pages and exports but is kept.

    Rules: the author while draft or changes_requested, or an editor. The
    author can undo for FACTCHECK_UNDO_SECONDS; an editor can restore it at
    any time. Side effects: version + 1, one `delete` event.
    """
    with transaction.atomic():
        current = _lock(annotation, version)
        if current.is_deleted:
            return current
        if not can_edit_annotation(actor, current):
            raise PermissionDenied(_edit_refusal(actor, current, "delete"))
        current.deleted_at = current.updated_at = timezone.now()
        current.deleted_by = actor
        current.version += 1
        current.save()
        _record(current, actor=actor, action=Action.DELETE, from_state=current.state, from_status=current.status)
    return current


def can_restore_annotation(user: User, annotation: Annotation) -> bool:
    if not annotation.is_deleted:
        return False
    if user_is_editor(user):
        return True
    window = timedelta(seconds=settings.FACTCHECK_UNDO_SECONDS)
    return annotation.deleted_by_id == user.pk and timezone.now() - annotation.deleted_at <= window


def annotation_restore(*, annotation: Annotation, actor: User) -> Annotation:
    """Undo a deletion. Rules: an editor at any time; whoever deleted it within
    the undo window. Side effects: version + 1, one `restore` event."""
    with transaction.atomic():
        current = _lock(annotation, None)
        if not can_restore_annotation(actor, current):
            if not current.is_deleted:
                raise ValidationError("This verdict is not deleted.")
            raise PermissionDenied("The undo window has passed: ask an editor to restore this verdict.")
        current.deleted_at = None
        current.deleted_by = None
        current.version += 1
        current.updated_at = timezone.now()
        current.save()
        _record(current, actor=actor, action=Action.RESTORE, from_state=current.state, from_status=current.status)
    return current
