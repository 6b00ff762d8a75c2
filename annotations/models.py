from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .records import archive_state

# An editor's comment on a decision (also kept in the event).
COMMENT_LENGTH = 5_000


def field_limit(model: type[models.Model], name: str) -> int:
    """A field's maximum length, the one statement of it: services, forms and serializers read it."""
    return model._meta.get_field(name).max_length


class Article(models.Model):
    """A stored article. The body is kept exactly as imported after
    normalisation (NFC, `\\n` line endings); offsets everywhere point into it."""

    title = models.CharField(max_length=300)
    body = models.TextField()
    body_sha256 = models.CharField("body SHA-256", max_length=64, unique=True, help_text="SHA-256 of the UTF-8 body.")
    url = models.URLField("source URL", max_length=2000, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    published_at = models.DateField("published", null=True, blank=True)
    language = models.CharField(max_length=16, default="en", help_text="BCP 47 code, e.g. en, ur.")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    # The body above is version `version`; earlier bodies are ArticleVersion rows (one each).
    version = models.PositiveIntegerField(default=1)
    corrected_at = models.DateTimeField(null=True, blank=True, help_text="When the current version was stored.")
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-imported_at", "-id"]
        indexes = [
            models.Index(fields=["title"]),
            # An article's version without reading its row (SQLite reads past the body to reach it):
            # the check that a verdict is on the current version, e.g. every page's waiting badge.
            models.Index(fields=["id", "version"], name="article_id_version"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("annotations:article-detail", args=[self.pk])

    @property
    def direction(self) -> str:
        """Text direction for the `dir` attribute."""
        return "rtl" if self.language.split("-")[0].lower() in RTL_LANGUAGES else "ltr"


class ArticleVersion(models.Model):
    """An earlier body of an article, kept once when a correction replaced it (services.article_version_create).

    The current body stays on the Article, so every page and offset reads one place; verdicts left
    on an old version (orphans) point into `body` here. Sentences are kept for the current version
    only: an old body is segmented again (segmentation.split_sentences) should it ever be needed.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="old_versions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    body_sha256 = models.CharField("body SHA-256", max_length=64)
    created_at = models.DateTimeField(help_text="When this version was stored (the import, or its correction).")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    replaced_at = models.DateTimeField(help_text="When the next version replaced it.")

    class Meta:
        ordering = ["article", "number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="article_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


RTL_LANGUAGES = frozenset({"ar", "arc", "dv", "fa", "ha", "he", "khw", "ks", "ku", "ps", "sd", "ug", "ur", "yi"})


class Sentence(models.Model):
    """A sentence of an article: `article.body[start:end]`, trimmed, within one paragraph."""

    # Checked and cascaded by triggers (migration 0015), once per statement on PostgreSQL: a foreign
    # key checked each of an import's thousands of rows. Looked up by the unique (article, index).
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="sentences", db_constraint=False, db_index=False
    )
    index = models.PositiveIntegerField()
    paragraph = models.PositiveIntegerField(help_text="Index of the non-empty line it belongs to.")
    start = models.PositiveIntegerField(help_text="Code point offset, inclusive.")
    end = models.PositiveIntegerField(help_text="Code point offset, exclusive.")

    class Meta:
        ordering = ["article", "index"]
        constraints = [
            models.UniqueConstraint(fields=["article", "index"], name="sentence_unique_index"),
            models.CheckConstraint(condition=models.Q(start__lt=models.F("end")), name="sentence_start_before_end"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}#{self.index} [{self.start}, {self.end})"

    @property
    def text(self) -> str:
        return self.article.body[self.start : self.end]


class Status(models.TextChoices):
    """The desk's verdict on a claim. Not a truth scale: see `STATUS_DETAILS`."""

    ALLEGED = "alleged", _("Alleged")
    DENIED = "denied", _("Denied")
    UNVERIFIED = "unverified", _("Unverified")
    EVIDENCED = "evidenced", _("Evidenced")


# Icon and one-line definition shown with every status (never colour alone).
STATUS_DETAILS = {
    Status.ALLEGED: ("❝", _("A party claims it; not established.")),
    Status.DENIED: ("⊘", _("A party named in it has denied it.")),
    Status.UNVERIFIED: ("?", _("No evidence either way could be found.")),
    Status.EVIDENCED: ("✓", _("Documents or reporting support it.")),
}


# The underline of each status's marks in the text, so that marks differ without colour. factcheck.css
# draws them (border-bottom-style of .mark-<status>); the legend beside the text names them.
STATUS_UNDERLINES = {
    Status.ALLEGED: "dashed",
    Status.DENIED: "double",
    Status.UNVERIFIED: "dotted",
    Status.EVIDENCED: "solid",
}


def status_legend() -> list[dict[str, str]]:
    return [
        {
            "value": status.value,
            "label": status.label,
            "icon": STATUS_DETAILS[status][0],
            "definition": STATUS_DETAILS[status][1],
            "underline": STATUS_UNDERLINES[status],
            "relation": DEFAULT_RELATION[status].value,
        }
        for status in Status
    ]


class Relation(models.TextChoices):
    """How a linked source bears on a verdict."""

    SUPPORTS = "supports", _("Supports")
    REFUTES = "refutes", _("Refutes")
    DENIAL = "denial", _("Denial statement")
    CONTEXT = "context", _("Context")


# The relation a source added to a verdict starts with, by the verdict's status: the complaint behind
# an *alleged* claim is its context, not support for it. Only a default; the reviewer can change it.
DEFAULT_RELATION = {
    Status.ALLEGED: Relation.CONTEXT,
    Status.DENIED: Relation.DENIAL,
    Status.UNVERIFIED: Relation.CONTEXT,
    Status.EVIDENCED: Relation.SUPPORTS,
}


def default_relation(status: str) -> str:
    """DEFAULT_RELATION for a status as a form sends it; supports while no status is chosen."""
    return DEFAULT_RELATION.get(status, Relation.SUPPORTS)


class Source(models.Model):
    """A web document cited as evidence. Stored once per normalised URL and reused."""

    url = models.URLField("URL", max_length=2000, unique=True)
    title = models.CharField(max_length=500)
    publisher = models.CharField(max_length=200, blank=True)
    published_at = models.DateField("published", null=True, blank=True)
    archive_url = models.URLField("archive URL", max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Archiving (services.source_archive, run in the background): when it was asked for (first
    # cited, or an editor's re-archive), when the page was last checked, the time of the latest
    # snapshot, why the last check failed, and since when the link has been broken (a failed
    # check after a snapshot was taken; the snapshot is kept).
    archive_requested_at = models.DateTimeField(null=True, blank=True)
    archive_checked_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    archive_error = models.CharField(max_length=500, blank=True)
    link_broken_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def archive_state(self) -> str | None:
        """archived, broken, failed, pending or None: records.archive_state, the one statement of it
        (the card and the native export)."""
        return archive_state(
            requested=self.archive_requested_at,
            archived=self.archived_at,
            error=self.archive_error,
            broken=self.link_broken_since,
        )


class SourceSnapshot(models.Model):
    """A source's page as fetched when it was archived: the final URL, the answer's status and type,
    the SHA-256 of the bytes received and the article text extracted from them. A page whose
    bytes did not change since the last snapshot adds none."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="snapshots")
    taken_at = models.DateTimeField()
    final_url = models.URLField("final URL", max_length=2000)
    http_status = models.PositiveSmallIntegerField("HTTP status")
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField("SHA-256", max_length=64)
    byte_count = models.PositiveIntegerField()
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["-taken_at", "-id"]
        indexes = [models.Index(fields=["source", "-taken_at"], name="snapshot_source_latest")]

    def __str__(self) -> str:
        return f"{self.source} at {self.taken_at:%Y-%m-%d %H:%M}"


class State(models.TextChoices):
    """Where a verdict is in review. The transitions live in workflow.py."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")


class ClaimantType(models.TextChoices):
    """What kind of party the claimant is, as ClaimReview names the claim's author (a blank one is
    published as an Organization)."""

    PERSON = "person", _("Person")
    ORGANIZATION = "organization", _("Organization")


class Anchoring(models.TextChoices):
    """How a verdict's span was found on its article's version (anchoring.reanchor)."""

    EXACT = "exact", _("exact")
    FUZZY = "fuzzy", _("moved to a close match")
    ORPHANED = "orphaned", _("orphaned")


class Claim(models.Model):
    """A statement checked more than once: the verdicts (its appearances) that check the same words in
    different articles, or twice in one. Written by services.claim_* only.

    It has no text of its own: its name is the quote of its first appearance the viewer may see
    (selectors.claim_page), so a claim never shows the words of a draft its viewer may not see.
    It lives while a verdict points at it (Annotation.claim is PROTECT): removing its last
    appearance deletes it; a claim of one appearance is kept (services.claim_remove says why).
    """

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"claim #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("annotations:claim-detail", args=[self.pk])


class Annotation(models.Model):
    """A reviewer's verdict on a span of an article: `article.body[start:end] == quote`."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="annotations")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="annotations")
    start = models.PositiveIntegerField(help_text="Code point offset, inclusive.")
    end = models.PositiveIntegerField(help_text="Code point offset, exclusive.")
    quote = models.TextField()
    prefix = models.CharField(max_length=32, blank=True)
    suffix = models.CharField(max_length=32, blank=True)
    # The article version the span points into: the current one, or an old one for an orphan.
    article_version = models.PositiveIntegerField(default=1)
    anchor = models.CharField(max_length=10, choices=Anchoring.choices, default=Anchoring.EXACT)
    status = models.CharField(max_length=16, choices=Status.choices)
    claimant = models.CharField(max_length=200, blank=True, help_text="Who makes the claim, per the article.")
    claimant_type = models.CharField(
        max_length=12, choices=ClaimantType.choices, blank=True, help_text="Person or organization (optional)."
    )
    # When the claim was made, if the reviewer knows it (else its article's publication date).
    claim_date = models.DateField(null=True, blank=True, help_text="When the claim was made (optional).")
    denied_by = models.CharField(max_length=200, blank=True, help_text="Who denied it (required for denied).")
    note = models.TextField(blank=True, max_length=10_000)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    version = models.PositiveIntegerField(default=1)
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="Latest submission, for the queue.")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(
        blank=True, max_length=COMMENT_LENGTH, help_text="The latest editor decision's comment."
    )
    first_approved_at = models.DateTimeField(null=True, blank=True)
    # Set by services.py, so that a change, its event and any review share one timestamp.
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sources = models.ManyToManyField(Source, through="AnnotationSource", related_name="annotations")
    # The claim this verdict is an appearance of (services.claim_link/add/remove; each an event). PROTECT:
    # a claim is deleted only by claim_remove once no verdict points at it, never under one silently.
    claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="appearances")

    class Meta:
        ordering = ["article", "start", "-end", "id"]
        indexes = [
            models.Index(fields=["article", "start"]),
            models.Index(fields=["state", "submitted_at"]),
            # Live verdicts counted from the index alone: by author, state and status (the desk
            # dashboard), and those waiting on their article's current version (every page's badge).
            models.Index(
                fields=["state", "author", "status", "article", "article_version"],
                condition=models.Q(deleted_at=None),
                name="annotation_live_by_state",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(start__lt=models.F("end")), name="annotation_start_before_end"),
            models.CheckConstraint(condition=models.Q(state__in=State.values), name="annotation_state_valid"),
            models.CheckConstraint(condition=models.Q(status__in=Status.values), name="annotation_status_valid"),
            models.CheckConstraint(condition=models.Q(anchor__in=Anchoring.values), name="annotation_anchor_valid"),
            models.CheckConstraint(
                condition=models.Q(claimant_type__in=["", *ClaimantType.values]), name="annotation_claimant_type_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=Status.DENIED) | ~models.Q(denied_by=""),
                name="annotation_denied_names_who",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.quote[:60]}"

    @property
    def status_icon(self) -> str:
        return STATUS_DETAILS[Status(self.status)][0]

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def review_move(self) -> str:
        """The editor's move that made the latest change ("approved", "returned", "reopened"), or ""
        when the latest change was someone else's: a review sets reviewed_at and updated_at together."""
        if self.reviewed_by_id is None or self.reviewed_at != self.updated_at:
            return ""
        return {State.APPROVED: "approved", State.CHANGES_REQUESTED: "returned", State.SUBMITTED: "reopened"}.get(
            self.state, ""
        )


class AnnotationSource(models.Model):
    """The link between a verdict and a source: its relation and an optional pinpoint."""

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="source_links")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="links")
    relation = models.CharField(max_length=16, choices=Relation.choices)
    pinpoint = models.CharField(max_length=500, blank=True, help_text="Page, paragraph or quoted passage.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["annotation", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["annotation", "source", "relation"], name="annotation_source_unique"),
            models.CheckConstraint(
                condition=models.Q(relation__in=Relation.values), name="annotation_source_relation_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_relation_display()}: {self.source}"


class EventQuerySet(models.QuerySet):
    """Events are append-only: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise AppendOnlyError("Annotation events are append-only: they cannot be updated.")

    def delete(self):
        raise AppendOnlyError("Annotation events are append-only: they cannot be deleted.")


class AppendOnlyError(Exception):
    pass


class Action(models.TextChoices):
    CREATE = "create", _("Created")
    EDIT = "edit", _("Edited")
    SUBMIT = "submit", _("Submitted")
    APPROVE = "approve", _("Approved")
    REQUEST_CHANGES = "request_changes", _("Returned for changes")
    REOPEN = "reopen", _("Reopened")
    DELETE = "delete", _("Deleted")
    RESTORE = "restore", _("Restored")
    REANCHOR = "reanchor", _("Re-anchored")
    CLAIM_LINK = "claim_link", _("Linked to a claim")
    CLAIM_UNLINK = "claim_unlink", _("Removed from a claim")


class AnnotationEvent(models.Model):
    """One step in a verdict's history. Written by services only, never changed
    (refused here, and by a trigger on PostgreSQL)."""

    annotation = models.ForeignKey(Annotation, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=20, choices=Action.choices)
    from_state = models.CharField(max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=State.choices)
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    comment = models.TextField(blank=True, max_length=COMMENT_LENGTH)
    changes = models.JSONField(default=list, blank=True, help_text='Edited fields: [{"field", "old", "new"}].')
    # Decisions only (workflow.DECISIONS): the submission they answer (workflow.answered_submission),
    # stated when the decision is written, so that the desk's waits are `at - answers_submission_at`.
    answers_submission_at = models.DateTimeField(null=True, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["annotation", "at", "id"]
        indexes = [
            models.Index(fields=["annotation", "at"]),
            # The desk dashboard: decisions and approvals in its days with the submission they answer.
            models.Index(fields=["action", "at", "answers_submission_at"], name="event_action_at_answers"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_id} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Annotation events are append-only: they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Annotation events are append-only: they cannot be deleted.")


class Comment(models.Model):
    """One comment in a verdict's discussion. Written by services.comment_* only; never deleted: a
    deletion sets deleted_at/deleted_by and the thread shows "deleted by X" instead of the body
    (kept for the record). A comment never changes its verdict."""

    annotation = models.ForeignKey(Annotation, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=4_000)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Desk members named as @username who may read the thread (services._mentioned), not every @word.
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in")

    class Meta:
        ordering = ["annotation", "created_at", "id"]
        indexes = [models.Index(fields=["annotation", "created_at"], name="comment_thread")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deleted_at__isnull=True, deleted_by__isnull=True)
                | models.Q(deleted_at__isnull=False, deleted_by__isnull=False),
                name="comment_deleted_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"comment #{self.pk} on {self.annotation_id} by {self.author_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class ImportState(models.TextChoices):
    QUEUED = "queued", _("waiting to start")
    RUNNING = "running", _("importing")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ArticleImport(models.Model):
    """Articles imported together in the background: what a worker still has to store, and how far it is.

    A request that brings more text than it should segment itself (FACTCHECK_IMPORT_INLINE_BYTES)
    leaves it here, checked; a task of the `db_worker` stores it article by article. `items` are
    the checked articles still to store (emptied when done); `article_ids` the stored ones, in order.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=ImportState.choices, default=ImportState.QUEUED)
    total = models.PositiveIntegerField()
    done = models.PositiveIntegerField(default=0)
    items = models.JSONField(default=list, blank=True)
    article_ids = models.JSONField(default=list, blank=True)
    # Articles not stored, as {"item": n (from 0), "title", "messages": [...]}: a text someone else
    # stored while this import waited; or {"item": None, "messages"}: the failure that stopped it.
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"import #{self.pk} ({self.done} of {self.total}, {self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("annotations:import-detail", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.state in {ImportState.DONE, ImportState.FAILED}


class Assignment(models.Model):
    """An editor's request that a reviewer check an article, open until it is removed. Rows are
    never deleted: a removal is recorded (who, when), and a changed due date or note closes the row
    and opens a new one, so the record keeps every step (services.assignment_create)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    due = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField()
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["article", "assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "reviewer"], condition=models.Q(removed_at__isnull=True), name="one_open_assignment"
            ),
            models.CheckConstraint(
                condition=models.Q(removed_at__isnull=True, removed_by__isnull=True)
                | models.Q(removed_at__isnull=False, removed_by__isnull=False),
                name="assignment_removed_by_someone",
            ),
        ]
        indexes = [models.Index(fields=["reviewer", "removed_at"], name="assignment_open_by_reviewer")]

    def __str__(self) -> str:
        return f"{self.article_id} → {self.reviewer_id}{' (removed)' if self.removed_at else ''}"

    def is_overdue(self, today) -> bool:
        return self.removed_at is None and self.due is not None and self.due < today


class NotificationKind(models.TextChoices):
    """What a notification tells its recipient (notifications.py decides who receives which)."""

    RETURNED = "returned", _("My verdict was returned for changes")
    APPROVED = "approved", _("My verdict was approved")
    REOPENED = "reopened", _("My verdict was reopened")
    COMMENT = "comment", _("A comment on a verdict I wrote or discussed")
    MENTION = "mention", _("Someone mentioned me")
    ASSIGNED = "assigned", _("An article was assigned to me")
    DUE = "due", _("An assignment of mine is due tomorrow")


class EmailState(models.TextChoices):
    NONE = "", _("not e-mailed")  # the recipient does not want e-mail of this kind, or has no address
    QUEUED = "queued", _("queued")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")  # every attempt failed; the worker's log and task results say why


class Notification(models.Model):
    """Something a desk member should know: written by notifications.py only, read by its recipient.
    Nothing is deleted: reading sets `read_at`; an e-mail, when wanted, is sent by a background task
    (tasks.email_notification), never in the request that caused it."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    annotation = models.ForeignKey(Annotation, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    assignment = models.ForeignKey(Assignment, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # The review move's comment (returned, approved, reopened), as it was said.
    message = models.TextField(blank=True, max_length=COMMENT_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email = models.CharField(max_length=8, choices=EmailState.choices, blank=True, default=EmailState.NONE)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox"),
            # The header's unread count: one index range scan of the recipient's unread rows.
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread"),
        ]
        constraints = [
            # The day-before reminder is sent once per assignment, however often the reminder runs.
            models.UniqueConstraint(
                fields=["assignment", "recipient"], condition=models.Q(kind="due"), name="one_due_reminder"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id} ({'read' if self.read_at else 'unread'})"


class NotificationPreference(models.Model):
    """Whether a user wants e-mail for one kind of notification. No row: yes (the default); in-app
    notifications are always kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {'e-mail' if self.email else 'no e-mail'}"


class WorkerHeartbeat(models.Model):
    """When a task worker last ran the heartbeat task (tasks.worker_heartbeat): one row (pk 1),
    written by the worker, read by /readyz and /metrics (health.py)."""

    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"worker seen at {self.beat_at:%Y-%m-%d %H:%M:%S}"


class LanguagePreference(models.Model):
    """The interface language a user chose with the header's switcher (languages.py); no row: the
    browser's language, else LANGUAGE_CODE. The API and the exports are English whatever it says."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language}"
