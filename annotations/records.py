"""The JSON shape of each thing factcheck publishes, written once. Pure: no ORM, no rules.

Every reader builds its output from these: the API's list, retrieve and history, the native
export (which adds each verdict's sentences and history), the W3C and ClaimReview exports (which
map from `verdict`), the public page and the import's round-trip test. Rows come from
`selectors.verdict_rows()` (a `.values()` of VERDICT_FIELDS), links from
`selectors.source_links_by_annotation()` (LINK_FIELDS tuples), events from
`selectors.events_by_annotation()` (EVENT_FIELDS tuples). Timestamps arrive as ISO 8601 text in
UTC, written by the database (db.IsoText).
"""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# A verdict's fields copied from its row as they are, and in the order written.
SPAN_FIELDS = ("start", "end", "quote", "prefix", "suffix")
# Which version of its article the span points into, and how it was found there (issue 16).
ANCHOR_FIELDS = ("article_version", "anchor")
VERDICT_TEXT_FIELDS = ("status", "claimant", "claimant_type", "claim_date", "denied_by", "note", "state", "version")
# A verdict row: these fields of Annotation, plus the times in selectors.VERDICT_TIMES (the claim's
# date among them, as ISO text: `claim_day`).
VERDICT_FIELDS = (
    "id",
    "article_id",
    *SPAN_FIELDS,
    *ANCHOR_FIELDS,
    *(name for name in VERDICT_TEXT_FIELDS if name != "claim_date"),
    "claim_id",
    "author__username",
    "reviewed_by__username",
    "review_comment",
)
# The keys of a verdict as the API shows it (the OpenAPI schema documents these).
API_VERDICT_KEYS = ("id", "article", *SPAN_FIELDS, *ANCHOR_FIELDS, *VERDICT_TEXT_FIELDS, "claim")
API_VERDICT_KEYS += ("author", "created_at", "updated_at")
API_VERDICT_KEYS += ("review", "sources")
# (annotation id, url, title, publisher, published_at as text, archive_url, relation, pinpoint)
LINK_FIELDS = ("annotation_id", "url", "title", "publisher", "published", "archive_url", "relation", "pinpoint")
# A cited source's archive (selectors.source_archives_by_url): its URL, the times asked for,
# checked, archived and broken since as text, the last check's error, then its latest snapshot's
# taken_at as text, final URL, HTTP status, content type, SHA-256, byte count and text (the
# snapshot's fields None when it has none, the text None unless asked for).
ARCHIVE_FIELDS = (
    "url",
    "requested",
    "checked",
    "archived",
    "archive_error",
    "broken",
    "taken",
    "final_url",
    "http_status",
    "content_type",
    "sha256",
    "byte_count",
    "text",
)
# The states of a source's archive, as the native export writes them (archive_state).
ARCHIVE_STATES = ("archived", "broken", "failed", "pending")
# (annotation id, action, actor, at as text, from_state, to_state, from_status, to_status, comment)
EVENT_FIELDS = (
    "annotation_id",
    "action",
    "actor__username",
    "at_text",
    "from_state",
    "to_state",
    "from_status",
    "to_status",
    "comment",
)

Row = dict[str, Any]


def review(row: Row) -> dict | None:
    """The latest editor decision on a verdict, or None."""
    if not row["reviewed_by__username"]:
        return None
    return {"editor": row["reviewed_by__username"], "decided_at": row["reviewed"], "comment": row["review_comment"]}


def source_link(link: tuple) -> dict:
    """A source as linked to a verdict: the document and how it bears on the verdict."""
    _annotation_id, url, title, publisher, published_at, archive_url, relation, pinpoint = link
    return {
        "url": url,
        "title": title,
        "publisher": publisher,
        "published_at": published_at,
        "archive_url": archive_url,
        "relation": relation,
        "pinpoint": pinpoint,
    }


def archive_state(*, requested: object, archived: object, error: str, broken: object) -> str | None:
    """Where a source's archiving stands, as its card shows it: `broken` (a check failed after a
    snapshot was taken; the snapshot is kept), `archived`, `failed` (no snapshot; `error` says
    why), `pending` (asked for, not yet checked), or None (never asked for: not cited since
    archiving began)."""
    if broken:
        return "broken"
    if archived:
        return "archived"
    if error:
        return "failed"
    if requested:
        return "pending"
    return None


def source_archive(row: tuple | None) -> dict | None:
    """A cited source's archive (an ARCHIVE_FIELDS tuple) in the native export: its state, times and
    error, and its latest snapshot's metadata (with its text when the tuple holds it). None for a
    source never archived."""
    if row is None:
        return None
    _url, requested, checked, archived, error, broken, taken, final_url, status, content_type, sha256, size, text = row
    state = archive_state(requested=requested, archived=archived, error=error, broken=broken)
    if state is None:
        return None
    snapshot = None
    if taken is not None:
        snapshot = {
            "taken_at": taken,
            "final_url": final_url,
            "http_status": status,
            "content_type": content_type,
            "sha256": sha256,
            "byte_count": size,
        }
        if text is not None:
            snapshot["text"] = text
    return {
        "state": state,
        "requested_at": requested,
        "checked_at": checked,
        "archived_at": archived,
        "link_broken_since": broken,
        "error": error,
        "snapshot": snapshot,
    }


def event(row: tuple, *, changes: list | None = None) -> dict:
    """One step of a verdict's history. The API gives the edit's `changes` and states as stored
    (empty for none); the native export leaves the changes out and writes an empty state as null."""
    _annotation_id, action, actor, at, from_state, to_state, from_status, to_status, comment = row
    native = changes is None
    record = {
        "action": action,
        "actor": actor,
        "at": at,
        "from_state": (from_state or None) if native else from_state,
        "to_state": to_state,
        "from_status": (from_status or None) if native else from_status,
        "to_status": to_status,
        "comment": comment,
    }
    if not native:
        record["changes"] = changes
    return record


def verdict(
    row: Row,
    *,
    sources: list[dict],
    with_article: bool = True,
    sentence_indexes: list[int] | None = None,
    history: list[dict] | None = None,
) -> dict:
    """A verdict. The API's shape names its article; the native export, where the verdict sits
    inside its article, gives the sentences it touches and its history instead."""
    # One literal with every key in its place, then the keys this shape leaves out: a dict keeps
    # the order of the rest, and a literal is the cheapest dict to build for pages of hundreds.
    record: dict[str, Any] = {
        "id": row["id"],
        "article": row["article_id"],
        "start": row["start"],
        "end": row["end"],
        "quote": row["quote"],
        "prefix": row["prefix"],
        "suffix": row["suffix"],
        "article_version": row["article_version"],
        "anchor": row["anchor"],
        "sentence_indexes": sentence_indexes,
        "status": row["status"],
        "claimant": row["claimant"],
        "claimant_type": row["claimant_type"],
        "claim_date": row["claim_day"],
        "denied_by": row["denied_by"],
        "note": row["note"],
        "state": row["state"],
        "version": row["version"],
        "claim": row["claim_id"],
        "author": row["author__username"],
        "created_at": row["created"],
        "updated_at": row["updated"],
        "review": review(row),
        "sources": sources,
        "history": history,
    }
    if not with_article:
        del record["article"]
    if sentence_indexes is None:
        del record["sentence_indexes"]
    if history is None:
        del record["history"]
    return record


# A claim as the API shows it (records.claim), and each of its appearances.
CLAIM_KEYS = ("id", "created_at", "created_by", "label", "count", "appearances")
APPEARANCE_KEYS = ("annotation", "article", "quote", "status", "state", "author", "date")


def claim(item, appearances: list) -> dict:
    """A claim with the appearances the viewer may see (selectors.claim_appearances: verdicts with
    their article), oldest check first; its label is the first one's quote and `count` counts only
    these, so a draft the viewer may not see is neither shown nor counted."""
    return {
        "id": item.pk,
        "created_at": _iso(item.created_at),
        "created_by": item.created_by.get_username(),
        "label": appearances[0].quote if appearances else "",
        "count": len(appearances),
        "appearances": [appearance(annotation) for annotation in appearances],
    }


def appearance(annotation) -> dict:
    """One appearance of a claim: the verdict, where it is, what it says and when it was checked."""
    article = annotation.article
    return {
        "annotation": annotation.pk,
        "article": {
            "id": article.pk,
            "title": article.title,
            "url": article.url,
            "publisher": article.publisher,
            "published_at": article.published_at.isoformat() if article.published_at else None,
        },
        "quote": annotation.quote,
        "status": annotation.status,
        "state": annotation.state,
        "author": annotation.author.get_username(),
        "date": _iso(annotation.created_at),
    }


# The keys of a background import as the API shows it (api.serializers.ArticleImportSerializer).
IMPORT_KEYS = (
    "id",
    "created_by",
    "state",
    "total",
    "done",
    "articles",
    "problems",
    "created_at",
    "started_at",
    "finished_at",
)


def article_import(job) -> dict:
    """A background import: its state, its progress (`done` of `total`), the ids of the articles
    it stored, in order, and the ones it could not store, with why."""
    return {
        "id": job.pk,
        "created_by": job.created_by.username if job.created_by else None,
        "state": job.state,
        "total": job.total,
        "done": job.done,
        "articles": list(job.article_ids),
        "problems": [
            {"item": p["item"], "title": p.get("title", ""), "messages": list(p["messages"])} for p in job.problems
        ],
        "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
    }


def _iso(moment) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def version_report(*, version: int, items: list) -> dict:
    """What storing a corrected version did (services.article_version_create): the counts of each
    outcome and, per verdict, its span before and after (`new` null for an orphan)."""
    annotations = [
        {
            "id": item.annotation_id,
            "outcome": item.outcome,
            "score": item.score,
            "old": {"version": item.old_version, "start": item.old[0], "end": item.old[1], "quote": item.old[2]},
            "new": None
            if item.new is None
            else {"version": version, "start": item.new[0], "end": item.new[1], "quote": item.new[2]},
        }
        for item in items
    ]
    counts = {
        outcome: sum(1 for item in items if item.outcome == outcome) for outcome in ("exact", "fuzzy", "orphaned")
    }
    return {"version": version, **counts, "annotations": annotations}


def article_version(row) -> dict:
    """One version of an article (selectors.VersionRow)."""
    return {
        "version": row.number,
        "current": row.current,
        "created_at": _iso(row.created_at),
        "created_by": row.created_by,
        "body_sha256": row.body_sha256,
        "length": row.length,
    }


def assignment(row) -> dict:
    """An assignment of an article (models.Assignment, reviewer and assigner loaded)."""
    return {
        "article": row.article_id,
        "reviewer": row.reviewer.get_username(),
        "due": row.due.isoformat() if row.due else None,
        "note": row.note,
        "assigned_by": row.assigned_by.get_username(),
        "assigned_at": _iso(row.assigned_at),
    }


# The keys of a discussion item as the API shows it (the OpenAPI schema documents these).
THREAD_ITEM_KEYS = ("id", "kind", "action", "author", "body", "created_at", "edited_at", "deleted_by", "mentions")


def thread_item(item) -> dict:
    """One item of a verdict's discussion (selectors.ThreadItem): a comment (`action` null) or a
    review move's comment (`kind` "review", `action` approve, request_changes or reopen; `id` the
    event's). A deleted comment keeps its place with an empty body and who deleted it."""
    return {
        "id": item.id,
        "kind": item.kind,
        "action": item.action or None,
        "author": item.author,
        "body": item.body,
        "created_at": _iso(item.created_at),
        "edited_at": _iso(item.edited_at),
        "deleted_by": item.deleted_by,
        "mentions": list(item.mentions or []),
    }


# The dashboard's figures as CSV: each file's header and its rows (selectors.DeskFigures).
DESK_CSV = {
    "backlog": ("state", "status", "count"),
    "approved-per-day": ("day", "count"),
    "decisions": ("days", "decisions", "returned", "returned_rate", "median_hours", "p90_hours"),
    "reviewers": ("username", "drafts", "waiting", "approved", "returned", "assigned_open", "assigned_overdue"),
}


def desk_csv_rows(figures, name: str, days: int) -> list[tuple]:
    """The rows of one of the dashboard's CSV files (DESK_CSV names them), without the header."""
    if name == "backlog":
        return [(row["state"], row["status"], row["count"]) for row in figures.backlog]
    if name == "approved-per-day":
        return [(row["day"].isoformat(), row["count"]) for row in figures.approved_per_day]
    if name == "decisions":
        rate = "" if figures.returned_rate is None else round(figures.returned_rate, 3)
        median = "" if figures.median_hours is None else figures.median_hours
        p90 = "" if figures.p90_hours is None else figures.p90_hours
        return [(days, figures.decisions, figures.returned, rate, median, p90)]
    return [tuple(row[column] for column in DESK_CSV["reviewers"]) for row in figures.reviewers]


# --- Notifications ---------------------------------------------------------------------------------

# What each kind says, with %(actor)s, %(title)s (the article's) and %(quote)s (the verdict's, shortened).
NOTIFICATION_TEXT = {
    "returned": gettext_lazy("%(actor)s returned your verdict on “%(quote)s” for changes"),
    "approved": gettext_lazy("%(actor)s approved your verdict on “%(quote)s”"),
    "reopened": gettext_lazy("%(actor)s reopened your verdict on “%(quote)s”"),
    "comment": gettext_lazy("%(actor)s commented on the verdict on “%(quote)s”"),
    "mention": gettext_lazy("%(actor)s mentioned you on the verdict on “%(quote)s”"),
    "assigned": gettext_lazy("%(actor)s assigned you “%(title)s”"),
    "due": gettext_lazy("“%(title)s” is due tomorrow"),
}
EXCERPT_CHARS = 80


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The text on one line, cut at a word before `limit` characters with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0] if " " in flat[: limit - 1] else flat[: limit - 1]
    return f"{cut}…"


def quote_excerpt(quote: str) -> str:
    """A verdict's quote, shortened, as a notification names it (inside quotation marks of its own)."""
    return excerpt(quote.strip("“”\"‘’' "), 60)


def notification_target(notification) -> str:
    """Where a notification leads: its verdict's card on the article page, else the article."""
    url = notification.article.get_absolute_url()
    return f"{url}#annotation-{notification.annotation_id}" if notification.annotation_id else url


def notification_record(notification) -> dict:
    """A notification as the page, the API and the e-mail show it (actor, article, annotation,
    comment and assignment read with it: no query here). `said` is what was written with it: the
    comment (empty once deleted), the review move's comment, or the assignment's note and due date."""
    comment, assignment = notification.comment, notification.assignment
    if comment is not None:
        said = "" if comment.deleted_at else comment.body
    elif assignment is not None:
        said = assignment.note
    else:
        said = notification.message
    quote = notification.annotation.quote if notification.annotation_id else ""
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "text": NOTIFICATION_TEXT[notification.kind]
        % {
            "actor": notification.actor.get_username() if notification.actor_id else "factcheck",
            "title": excerpt(notification.article.title),
            "quote": quote_excerpt(quote),
        },
        "said": said,
        "comment_deleted": bool(comment is not None and comment.deleted_at),
        "actor": notification.actor.get_username() if notification.actor_id else None,
        "article": {"id": notification.article_id, "title": notification.article.title},
        "annotation": notification.annotation_id,
        "comment": notification.comment_id,
        "due": assignment.due.isoformat() if assignment is not None and assignment.due else None,
        "url": notification_target(notification),
        "created_at": _iso(notification.created_at),
        "read_at": _iso(notification.read_at),
    }


def notification_email(notification, *, site: str) -> tuple[str, str]:
    """A notification's e-mail: its subject and plain text, with the link to follow."""
    record = notification_record(notification)
    lines = [f"{record['text']}.", ""]
    if record["said"]:
        lines += [*(f"> {line}" for line in record["said"].splitlines()), ""]
    if record["due"]:
        lines += [_("Due: %(date)s") % {"date": record["due"]}, ""]
    opening = f"{site}{reverse('annotations:notification-open', args=[notification.pk])}"
    choices = f"{site}{reverse('annotations:notification-list')}#email-choices"
    lines += [
        _("Open it: %(url)s") % {"url": opening},
        "",
        _("Article: %(title)s") % {"title": notification.article.title},
        _("Choose which e-mails you get: %(url)s") % {"url": choices},
    ]
    return f"[factcheck] {excerpt(record['text'], 120)}", "\n".join(lines)
