"""Every write and every rule of factcheck. Views, forms, the API and the
management commands call these functions; none of them re-implements a rule."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
import hashlib
import logging
import os

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.authtoken.models import Token

from . import notifications, workflow
from .anchoring import EXACT, FUZZY, Reanchored, SpanError, anchor_span, locate, reanchor, same_words
from .db import insert_new_verdict, insert_sentences
from .fetching import FetchError, fetch
from .importing import read_page
from .mentions import mentioned_names
from .models import (
    COMMENT_LENGTH,
    Action,
    Annotation,
    AnnotationEvent,
    AnnotationSource,
    Article,
    ArticleImport,
    ArticleVersion,
    Assignment,
    Claim,
    ClaimantType,
    Comment,
    ImportState,
    Relation,
    Source,
    SourceSnapshot,
    State,
    Status,
    field_limit,
)
from .parsing import parse_id
from .roles import (
    DISCUSS_REFUSAL,
    UNLOCK_REFUSAL,
    User,
    can_discuss,
    can_edit_annotation,
    can_resolve_orphan,
    can_restore_annotation,
    can_unlock_logins,
    comment_delete_refusal,
    comment_edit_refusal,
    contributors,
    edit_refusal,
    transition_refusal,
    user_is_editor,
    user_is_reviewer,
)
from .segmentation import has_visible_text, normalize_text, sentence_splitter, split_sentences
from .selectors import readers_of, visibility_filter
from .weburls import UrlError, normalize_url

logger = logging.getLogger(__name__)

log = logging.getLogger(__name__)


def token_is_expired(*, created: datetime) -> bool:
    """An API token is refused FACTCHECK_TOKEN_TTL_HOURS after it was issued (0: never)."""
    hours = settings.FACTCHECK_TOKEN_TTL_HOURS
    return hours > 0 and created <= timezone.now() - timedelta(hours=hours)


def token_issue(*, user: User) -> Token:
    """The user's API token after a successful log-in: the current one, or a new one (new key, new
    expiry) when there is none or it has expired. A user has at most one token."""
    with transaction.atomic():
        token, created = Token.objects.select_for_update().get_or_create(user=user)
        if not created and token_is_expired(created=token.created):
            token.delete()
            token = Token.objects.create(user=user)
    return token


def token_revoke(*, user: User) -> bool:
    """Delete the user's API token; False when there was none. Every client using it gets 401."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted > 0


def login_unlock(*, editor: User, address: str, username: str | None = None) -> int:
    """Lift a log-in lock: `username`'s at `address`, or (no username) every account's at `address`.

    Rule: roles.can_unlock_logins (editors), else PermissionDenied. Side effects: django-axes'
    failure records of that account at that address (or of that address) are deleted through
    axes' own reset, so the next log-in is counted from zero; one WARNING on the
    `annotations.services` logger names who lifted what (the event log records verdicts only;
    axes logs the lockout itself at WARNING too). Returns how many records went: 0 when the lock
    had already ended or another editor lifted it first.
    """
    if not can_unlock_logins(editor):
        raise PermissionDenied(UNLOCK_REFUSAL)
    if not address:  # axes' reset with neither filter would delete every record
        raise ValueError("login_unlock needs the address of the lock.")
    removed = axes_reset(ip=address, username=username or None)
    log.warning(
        "Log-in lock lifted by %s: %s at %s (%d failure records removed).",
        editor.get_username(),
        f"account {username!r}" if username else "every account",
        address,
        removed,
    )
    return removed


def body_sha256(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class CheckedArticle:
    """An article that passed article_check: its fields as they will be stored."""

    title: str
    body: str
    digest: str
    url: str
    publisher: str
    published_at: date | None
    language: str

    def as_item(self) -> dict:
        """The article as a background import keeps it (JSON)."""
        return {
            "title": self.title,
            "body": self.body,
            "url": self.url,
            "publisher": self.publisher,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "language": self.language,
        }

    @classmethod
    def from_item(cls, item: dict) -> "CheckedArticle":
        published = item.get("published_at")
        return cls(
            title=item["title"],
            body=item["body"],
            digest=body_sha256(item["body"]),
            url=item["url"],
            publisher=item["publisher"],
            published_at=date.fromisoformat(published) if published else None,
            language=item["language"],
        )


def article_check(
    *,
    title: str,
    body: str,
    url: str = "",
    publisher: str = "",
    published_at: date | None = None,
    language: str = "en",
    check_stored: bool = True,
) -> CheckedArticle:
    """The rules for an article: what article_import and articles_import store, or why not.

    The body is normalised (NFC, `\\n`) and must show some text and be at most
    FACTCHECK_MAX_ARTICLE_BYTES; the title is one line and required; the URL is
    http(s) (weburls); the language a code such as en or pt-BR; a body already
    stored is refused with a message naming the existing article.
    """
    body = normalize_text(body)
    title = " ".join(title.split())
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Give the article a title.")]
    if not has_visible_text(body):
        errors["body"] = [_("The article text is empty.")]
    elif len(body.encode("utf-8")) > settings.FACTCHECK_MAX_ARTICLE_BYTES:
        errors["body"] = [
            _("The article text is %(size)s bytes; the limit is %(limit)s bytes.")
            % {"size": f"{len(body.encode('utf-8')):,}", "limit": f"{settings.FACTCHECK_MAX_ARTICLE_BYTES:,}"}
        ]
    try:
        url = normalize_url(url) if url.strip() else ""
    except UrlError as exc:
        errors["url"] = [str(exc)]
    language = (language or "en").strip()
    if not language or len(language) > 16 or not language.replace("-", "").isalnum():
        errors["language"] = [_("Use a language code such as en, ur or pt-BR.")]
    if errors:
        raise ValidationError(errors)
    checked = CheckedArticle(
        title=title,
        body=body,
        digest=body_sha256(body),
        url=url,
        publisher=publisher.strip(),
        published_at=published_at,
        language=language,
    )
    if check_stored:  # articles_import asks once for all its texts
        _refuse_stored_text(checked)
    return checked


def _refuse_stored_text(checked: CheckedArticle) -> None:
    existing = Article.objects.filter(body_sha256=checked.digest).values_list("pk", "title").first()
    if existing is not None:
        raise _stored_already(*existing)


def _stored_already(pk: int, title: str) -> ValidationError:
    duplicate = ValidationError(
        _("This text is already stored as article #%(pk)s, “%(title)s”."),
        code="duplicate",
        params={"pk": pk, "title": title},
    )
    return ValidationError({"body": [duplicate]})


def _require_importer(imported_by: User | None) -> None:
    if imported_by is not None and not user_is_reviewer(imported_by):
        raise PermissionDenied(_("Only reviewers and editors can add articles."))


def article_import(*, imported_by: User | None, **fields) -> Article:
    """Store an article and its sentences, segmented in this call (the rules: article_check).

    A person importing must be a reviewer or editor (`imported_by=None` is the
    system: management commands). Side effects: one Article and its Sentence
    rows, in one transaction that holds only the inserts.
    """
    _require_importer(imported_by)
    checked = article_check(**fields)
    # Segmenting is the slow part: done before the transaction, which then holds only the inserts.
    spans = split_sentences(checked.body, checked.language)
    with transaction.atomic():
        _refuse_stored_text(checked)  # stored by someone else meanwhile
        return _articles_store([(checked, spans)], imported_by)[0]


def _articles_store(segmented: list, imported_by: User | None) -> list[Article]:
    """Insert checked, segmented articles and their sentences (in the caller's transaction)."""
    importer = imported_by if imported_by is not None and imported_by.is_authenticated else None
    articles = Article.objects.bulk_create(
        Article(
            title=checked.title,
            body=checked.body,
            body_sha256=checked.digest,
            url=checked.url,
            publisher=checked.publisher,
            published_at=checked.published_at,
            language=checked.language,
            imported_by=importer,
        )
        for checked, _ in segmented
    )
    insert_sentences(
        [
            (article.pk, s.index, s.paragraph, s.start, s.end)
            for article, (_, spans) in zip(articles, segmented, strict=True)
            for s in spans
        ]
    )
    return articles


# --- Imports of many articles, or of much text: in the background ---------------------------------

# Problems listed when an upload is refused: the first ones, not hundreds.
MAX_LISTED_PROBLEMS = 20
# Articles stored per transaction by a background import, with its progress: each commit waits for the
# disk (PostgreSQL), and SQLite's write lock is held about 20 ms for 50 ordinary articles.
IMPORT_CHUNK = 50


def _text_bytes(fields: dict) -> int:
    body = fields.get("body")
    return len(body.encode("utf-8")) if isinstance(body, str) else 0


def article_import_or_queue(*, imported_by: User | None, **fields) -> Article | ArticleImport:
    """An article stored now, or, when its text is larger than FACTCHECK_IMPORT_INLINE_BYTES, a
    background import of it (the page and the API show its progress). The rules: article_check."""
    if _text_bytes(fields) <= settings.FACTCHECK_IMPORT_INLINE_BYTES:
        return article_import(imported_by=imported_by, **fields)
    return articles_import(articles=[fields], imported_by=imported_by)


def article_import_or_fetch(
    *, imported_by: User | None, body: str = "", url: str = "", **fields
) -> Article | ArticleImport:
    """What "Add article" and `POST /api/v1/articles/` store: the text given, or, when only a URL
    is given, the page fetched from it (article_import_from_url). Then as article_import_or_queue."""
    if not body.strip() and url.strip():
        return article_import_from_url(imported_by=imported_by, url=url, **fields)
    return article_import_or_queue(imported_by=imported_by, body=body, url=url, **fields)


def article_import_from_url(
    *,
    imported_by: User | None,
    url: str,
    title: str = "",
    publisher: str = "",
    published_at: date | None = None,
    language: str = "",
) -> Article | ArticleImport:
    """Fetch a web page and import its article text (article_import_or_queue: article_check's rules).

    The fetch follows fetching.fetch's rules; a refusal, or a page with no article text, is a
    ValidationError on `url` with the fetcher's message, and nothing is stored. Text, title,
    publisher, date and language come from the page (trafilatura, `<html lang>`) unless given;
    the URL stored is the page's final address after redirects. Only reviewers and editors may
    import, checked before anything is fetched. Side effects: a request to the page, and what
    article_import_or_queue stores.
    """
    _require_importer(imported_by)
    try:
        page = fetch(normalize_url(url))
        document = read_page(page)
    except UrlError as exc:
        raise ValidationError({"url": [str(exc)]}) from None
    except FetchError as exc:
        raise ValidationError({"url": [ValidationError(str(exc), code=exc.code)]}) from None
    except ValidationError as exc:
        raise ValidationError({"url": exc.messages}) from None
    return article_import_or_queue(
        imported_by=imported_by,
        title=title or document.title,
        body=document.body,
        url=page.url,
        publisher=publisher or document.publisher,
        published_at=published_at or _page_date(document.published_at),
        language=language or document.language or "en",
    )


def _page_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def articles_import(*, articles: list[dict], imported_by: User | None) -> ArticleImport:
    """Import many articles at once: all are checked now, and stored now or by a background task.

    Rules: every article passes article_check, and no two have the same text; at most
    FACTCHECK_MAX_IMPORT_ARTICLES articles of FACTCHECK_MAX_IMPORT_BYTES of text in all. One
    refused article refuses the upload, nothing stored, with the first problems listed under
    `articles`. Up to FACTCHECK_IMPORT_INLINE_BYTES of text is stored before this returns (the
    import is `done`); more is left to a `db_worker` (the import is `queued`, see import_run).
    Side effects: one ArticleImport, and the articles when stored now.
    """
    _require_importer(imported_by)
    if not articles:
        raise ValidationError({"articles": ["Send at least one article."]})
    limit = settings.FACTCHECK_MAX_IMPORT_ARTICLES
    if len(articles) > limit:
        raise ValidationError({"articles": [f"{len(articles):,} articles; one import takes at most {limit:,}."]})
    size, size_limit = sum(_text_bytes(fields) for fields in articles), settings.FACTCHECK_MAX_IMPORT_BYTES
    if size > size_limit:
        raise ValidationError({"articles": [f"{size:,} bytes of text; one import takes at most {size_limit:,}."]})
    checked: list[CheckedArticle] = []
    problems: list[tuple[int, str]] = []  # (the article's number in the upload, from 1; what is wrong)
    first_with: dict[str, int] = {}
    for number, fields in enumerate(articles, 1):
        try:
            article = article_check(**fields, check_stored=False)
        except ValidationError as exc:
            problems += [(number, message) for message in _messages(exc)]
            continue
        if article.digest in first_with:
            problems.append((number, f"the same text as article {first_with[article.digest]}."))
            continue
        first_with[article.digest] = number
        checked.append(article)
    stored = Article.objects.filter(body_sha256__in=list(first_with)).values_list("body_sha256", "pk", "title")
    problems += [(first_with[digest], *_messages(_stored_already(pk, title))) for digest, pk, title in stored]
    if problems:
        problems.sort(key=lambda problem: problem[0])
        listed = [f"Article {number}: {message}" for number, message in problems[:MAX_LISTED_PROBLEMS]]
        more = len(problems) - MAX_LISTED_PROBLEMS
        raise ValidationError({"articles": listed + ([f"…and {more:,} more."] if more > 0 else [])})
    job = ArticleImport.objects.create(
        created_by=imported_by if imported_by is not None and imported_by.is_authenticated else None,
        total=len(checked),
        items=[article.as_item() for article in checked],
    )
    if size <= settings.FACTCHECK_IMPORT_INLINE_BYTES:
        import_run(job_id=job.pk, processes=1)
        job.refresh_from_db()
    else:
        from .tasks import run_article_import  # here: tasks imports this module

        transaction.on_commit(lambda: run_article_import.enqueue(job.pk))
    return job


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [message for messages in error.message_dict.values() for message in messages]
    return list(error.messages)


def import_run(*, job_id: int, processes: int | None = None) -> None:
    """Store a queued import's articles, IMPORT_CHUNK at a time, and record its progress.

    Segmentation runs outside the transactions (in `processes` processes side by side;
    default FACTCHECK_IMPORT_PROCESSES); each chunk's inserts and the progress are one short
    transaction. A text
    that someone stored while the import waited is skipped and listed in `problems`; an
    unexpected error stops the import as `failed`. Runs once: an import not queued is left alone.
    """
    with transaction.atomic():
        job = ArticleImport.objects.select_for_update().filter(pk=job_id, state=ImportState.QUEUED).first()
        if job is None:
            return
        job.state, job.started_at = ImportState.RUNNING, timezone.now()
        job.save(update_fields=["state", "started_at"])
    items = [CheckedArticle.from_item(item) for item in job.items]
    if processes is None:
        processes = settings.FACTCHECK_IMPORT_PROCESSES or os.cpu_count() or 1
    try:
        with sentence_splitter(processes if len(items) > 1 else 1) as split:
            spans = split([(article.body, article.language) for article in items])
            for first in range(0, len(items), IMPORT_CHUNK):
                chunk = items[first : first + IMPORT_CHUNK]
                _store_chunk(job, first, [(article, next(spans)) for article in chunk])
    except Exception as exc:
        logger.exception("Import #%s stopped", job.pk)
        job.state = ImportState.FAILED
        job.problems = [*job.problems, {"item": None, "messages": [f"The import stopped: {exc}"]}]
    else:
        job.state, job.items = ImportState.DONE, []
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "items", "problems", "finished_at"])


def _store_chunk(job: ArticleImport, first: int, segmented: list) -> None:
    """Store a chunk and the import's progress in one transaction (one commit per chunk); if a text
    was stored by someone else meanwhile, article by article, listing it in `problems`."""
    done = first + len(segmented)
    try:
        with transaction.atomic():
            stored = [article.pk for article in _articles_store(segmented, job.created_by)]
            ArticleImport.objects.filter(pk=job.pk).update(done=done, article_ids=[*job.article_ids, *stored])
        job.done, job.article_ids = done, [*job.article_ids, *stored]
        return
    except IntegrityError:
        pass  # a body stored by someone else meanwhile (body_sha256 is unique): one by one
    for number, (checked, spans) in enumerate(segmented, first):
        try:
            with transaction.atomic():
                _refuse_stored_text(checked)
                stored = [article.pk for article in _articles_store([(checked, spans)], job.created_by)]
            job.article_ids = [*job.article_ids, *stored]
        except (ValidationError, IntegrityError) as exc:
            messages = _messages(exc) if isinstance(exc, ValidationError) else ["This text was stored meanwhile."]
            job.problems = [*job.problems, {"item": number, "title": checked.title, "messages": messages}]
    job.done = done
    job.save(update_fields=["done", "article_ids", "problems"])


# --- Sources -------------------------------------------------------------------------------------

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
    """Find the source with this normalised URL, or store a new one (the rules: source_check).

    Returns (source, created). Side effect: at most one new Source.
    """
    if not user_is_reviewer(created_by):
        raise PermissionDenied(_("Only reviewers and editors can add sources."))
    checked = source_check(
        url=url, title=title, publisher=publisher, published_at=published_at, archive_url=archive_url
    )
    if isinstance(checked, Source):
        return checked, False
    with transaction.atomic():
        return Source.objects.get_or_create(url=checked.url, defaults=_fields_of(checked) | {"created_by": created_by})


def source_check(
    *, url: str, title: str, publisher: str = "", published_at: date | None = None, archive_url: str = ""
) -> "Source | NewSource":
    """The stored source with this URL, or the new source these fields describe (not stored).

    Rules: http(s) only; the URL is normalised (lower-case host, no fragment, no tracking
    parameters), and one already stored is reused unchanged; a new source needs a title; an
    archive URL, when given, is http(s) too; text is cut to the model's limits.
    """
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
        return existing
    title = " ".join(title.split())
    if not title:
        raise ValidationError({"title": [_("Give the source a title.")]})
    return NewSource(
        url=normalized,
        title=title[: field_limit(Source, "title")],
        publisher=publisher.strip()[: field_limit(Source, "publisher")],
        published_at=published_at,
        archive_url=archive,
    )


@dataclass(frozen=True, slots=True)
class NewSource:
    """A source named by its URL in a write: the stored one with that URL, or a new one."""

    url: str
    title: str = ""
    publisher: str = ""
    published_at: date | None = None
    archive_url: str = ""


@dataclass(frozen=True, slots=True)
class SourceLink:
    source: Source | NewSource
    relation: str
    pinpoint: str = ""


def _resolve_sources(links: list[SourceLink], actor: User) -> list[SourceLink]:
    """Every link with a stored source: a NewSource is found by its normalised URL or stored.

    Call inside the transaction of the write that cites them, so that a source new to the library
    is kept only with the verdict that cites it. Errors name the link's position (`error.position`,
    `error.field`), so the API can point at the item."""
    resolved, errors = [], []
    for position, link in enumerate(links):
        if isinstance(link.source, Source):
            resolved.append(link)
            continue
        try:
            source, _created = source_get_or_create(created_by=actor, **_fields_of(link.source))
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    error = ValidationError(message, code="source")
                    error.position, error.field = position, field
                    errors.append(error)
            continue
        resolved.append(SourceLink(source, link.relation, link.pinpoint))
    if errors:
        raise ValidationError({"sources": errors})
    return resolved


def _archive_first_cited(links: list[SourceLink]) -> None:
    """A source cited for the first time is archived in the background (source_archive): asked for
    once, by whichever write marks it first; the task is queued when that write commits."""
    from .tasks import archive_source  # here: tasks imports this module

    now = timezone.now()
    for source in {link.source.pk: link.source for link in links}.values():
        if source.archive_requested_at is not None:
            continue  # already asked for; no query for sources cited before
        if Source.objects.filter(pk=source.pk, archive_requested_at__isnull=True).update(archive_requested_at=now):
            source.archive_requested_at = now
            transaction.on_commit(lambda pk=source.pk: archive_source.enqueue(pk))


def source_archive_request(*, source: Source, editor: User) -> None:
    """An editor's "Re-archive": the source is fetched again in the background (source_archive).

    Rule: editors only (roles.user_is_editor), else PermissionDenied. Side effects: the source's
    archive_requested_at, and one task queued when the transaction commits.
    """
    from .tasks import archive_source

    if not user_is_editor(editor):
        raise PermissionDenied(_("Only editors can archive a source again."))
    Source.objects.filter(pk=source.pk).update(archive_requested_at=timezone.now())
    transaction.on_commit(lambda: archive_source.enqueue(source.pk))


def source_archive(*, source_id: int) -> SourceSnapshot | None:
    """Fetch a source's page (fetching.fetch, outside any transaction) and record the outcome.

    Success: a SourceSnapshot (final URL, status, content type, SHA-256 of the bytes, the text
    trafilatura extracts, or "" when it finds none), unless the bytes equal the latest snapshot's;
    the source's archived_at is the latest snapshot's time, its error and broken mark cleared.
    Failure (any fetch refusal): archive_error says why; a source that has a snapshot is marked
    link_broken_since (the first failed check; kept until a check succeeds), and keeps its
    snapshot. Returns the new snapshot, or None. A source deleted meanwhile is left alone.
    """
    source = Source.objects.filter(pk=source_id).only("url").first()
    if source is None:
        return None
    text, problem, page = "", "", None
    try:
        page = fetch(source.url)
    except FetchError as exc:
        problem = str(exc)
    else:
        try:
            text = read_page(page).body
        except ValidationError:
            text = ""  # archived by its bytes' hash; no article text to show
    now = timezone.now()
    with transaction.atomic():
        source = Source.objects.select_for_update().filter(pk=source_id).first()
        if source is None:
            return None
        source.archive_checked_at = now
        snapshot = None
        if page is None:
            source.archive_error = problem[: field_limit(Source, "archive_error")]
            if source.archived_at is not None and source.link_broken_since is None:
                source.link_broken_since = now
        else:
            latest = source.snapshots.values_list("sha256", flat=True).first()
            if latest != page.sha256:
                snapshot = SourceSnapshot.objects.create(
                    source=source,
                    taken_at=now,
                    final_url=page.url[: field_limit(SourceSnapshot, "final_url")],
                    http_status=page.status,
                    content_type=page.content_type[: field_limit(SourceSnapshot, "content_type")],
                    sha256=page.sha256,
                    byte_count=len(page.content),
                    text=normalize_text(text),
                )
                source.archived_at = now
            source.archive_error, source.link_broken_since = "", None
        source.save(update_fields=["archive_checked_at", "archived_at", "archive_error", "link_broken_since"])
    return snapshot


def _fields_of(new: NewSource) -> dict:
    return {name: getattr(new, name) for name in NewSource.__slots__}


def _cites_new_sources(links: list[SourceLink]) -> bool:
    return any(isinstance(link.source, NewSource) for link in links)


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
        return _(
            "This verdict was changed by %(who)s at %(time)s (now version %(version)s, %(state)s, %(status)s). "
            "Reload to see the current version before you act on it."
        ) % {
            "who": who,
            "time": f"{when:%H:%M:%S}",
            "version": self.annotation.version,
            "state": self.annotation.get_state_display().lower(),
            "status": self.annotation.get_status_display().lower(),
        }


def status_errors(*, status: str, denied_by: str, supported: bool) -> dict[str, str]:
    """The status rules, for create, update and an editor's approval with a status of their own:
    the four statuses only; `denied` names who denied it; `evidenced` has a supporting source."""
    if status not in Status.values:
        return {"status": _("Choose alleged, denied, unverified or evidenced.")}
    if status == Status.DENIED and not denied_by.strip():
        return {"denied_by": _("Name who denied it: a denied verdict records the party that denied the claim.")}
    if status == Status.EVIDENCED and not supported:
        return {"sources": _("An evidenced verdict needs at least one source that supports it.")}
    return {}


EARLIEST_CLAIM_DATE = date(1900, 1, 1)
CLAIMANT_TYPE_NEEDS_CLAIMANT = gettext_lazy(
    "Name who makes the claim before saying whether it is a person or an organization."
)


def claim_errors(*, claimant: str, claimant_type: str, claim_date: date | None) -> dict[str, str]:
    """The rules of who made the claim and when, for create, update and the import: the claimant's
    type is a person or an organization, and only for a named claimant; the claim's date is not in
    the future (the desk's day, settings.TIME_ZONE) nor before 1900."""
    errors = {}
    if claimant_type not in ("", *ClaimantType.values):
        errors["claimant_type"] = _("Choose person or organization, or leave it blank.")
    elif claimant_type and not claimant.strip():
        errors["claimant_type"] = str(CLAIMANT_TYPE_NEEDS_CLAIMANT)
    if claim_date is not None and claim_date > timezone.localdate():
        errors["claim_date"] = _("The claim's date cannot be in the future.")
    elif claim_date is not None and claim_date < EARLIEST_CLAIM_DATE:
        errors["claim_date"] = _("The claim's date cannot be before 1900.")
    return errors


def _verdict_errors(
    *,
    status: str,
    denied_by: str,
    note: str,
    claimant: str,
    sources: list[SourceLink],
    claimant_type: str = "",
    claim_date: date | None = None,
) -> dict:
    """The rules of a verdict's fields, shared by create and update (limits read from the model)."""
    supported = any(link.relation == Relation.SUPPORTS for link in sources)
    errors = {
        field: [message]
        for field, message in status_errors(status=status, denied_by=denied_by, supported=supported).items()
    }
    for field, message in claim_errors(claimant=claimant, claimant_type=claimant_type, claim_date=claim_date).items():
        errors[field] = [message]
    for field, value, message in (
        ("note", note, gettext_lazy("Keep the note under %(limit)s characters (it has %(count)s).")),
        ("claimant", claimant, gettext_lazy("Keep the claimant under %(limit)s characters (it has %(count)s).")),
        ("denied_by", denied_by, gettext_lazy("Keep who denied it under %(limit)s characters (it has %(count)s).")),
    ):
        limit = field_limit(Annotation, field)
        if len(value) > limit:
            errors.setdefault(field, []).append(message % {"limit": f"{limit:,}", "count": f"{len(value):,}"})
    if len(sources) > MAX_SOURCES_PER_VERDICT:
        errors.setdefault("sources", []).append(
            _("Link at most %(limit)s sources to one verdict (it has %(count)s).")
            % {"limit": MAX_SOURCES_PER_VERDICT, "count": f"{len(sources):,}"}
        )
    pinpoint_limit = field_limit(AnnotationSource, "pinpoint")
    seen = set()
    for link in sources:
        if link.relation not in Relation.values:
            errors.setdefault("sources", []).append(
                _("“%(relation)s” is not a relation.") % {"relation": link.relation}
            )
        key = (link.source.pk if isinstance(link.source, Source) else _url_key(link.source.url), link.relation)
        if key in seen:
            errors.setdefault("sources", []).append(
                _("“%(title)s” is linked twice as %(relation)s.")
                % {"title": link.source.title, "relation": link.relation}
            )
        seen.add(key)
        if len(link.pinpoint) > pinpoint_limit:
            errors.setdefault("sources", []).append(
                _("Keep each pinpoint under %(limit)s characters.") % {"limit": pinpoint_limit}
            )
    return errors


def _url_key(url: str) -> str:
    try:
        return normalize_url(url)
    except UrlError:
        return url


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
    at: datetime | None = None,
    answers_submission_at: datetime | None = None,
) -> AnnotationEvent:
    """An unsaved event of `annotation` as it is now; at its updated_at unless `at` (a claim link
    is not a change of the verdict itself)."""
    return AnnotationEvent(
        answers_submission_at=answers_submission_at,
        annotation=annotation,
        actor=actor,
        at=at or annotation.updated_at,
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
    claimant_type: str = "",
    claim_date: date | None = None,
    denied_by: str = "",
    sources: list[SourceLink] | None = None,
    same_claim_as: int | None = None,
) -> Annotation:
    """Record a verdict on `article.body[start:end]`, as a draft.

    Rules: reviewers and editors only; the span must match the body exactly
    (see anchoring.anchor_span); the verdict rules (_verdict_errors); sources named
    by URL are found or added, and a new one is kept only if the verdict is saved;
    `same_claim_as` names an earlier verdict the author may see (else an error on that field).
    Side effects: one Annotation with its source links (quote, prefix and suffix
    stored for re-anchoring) and a `create` event; with `same_claim_as`, claim_link's, in the
    same transaction.
    """
    if not user_is_reviewer(author):
        raise PermissionDenied(_("Only reviewers and editors can record verdicts."))
    sources = sources or []
    errors = _verdict_errors(
        status=status,
        denied_by=denied_by,
        note=note,
        claimant=claimant,
        sources=sources,
        claimant_type=claimant_type,
        claim_date=claim_date,
    )
    try:
        anchor = anchor_span(article.body, start=start, end=end, quote=quote)
    except SpanError as exc:
        errors["quote"] = [str(exc)]
    earlier = _same_claim_as(same_claim_as, actor=author, errors=errors)
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
        article_version=article.version,
        status=status,
        note=note,
        claimant=claimant.strip(),
        claimant_type=claimant_type,
        claim_date=claim_date,
        denied_by=denied_by.strip() if status == Status.DENIED else "",
    )
    event = _event(annotation, actor=author, action=Action.CREATE, from_state="", from_status="")
    if not _cites_new_sources(sources) and earlier is None:
        # One statement on PostgreSQL (db.insert_new_verdict): no transaction needed around it.
        insert_new_verdict(annotation, event, _new_links(sources))
        _archive_first_cited(sources)
        return annotation
    with transaction.atomic():
        sources = _resolve_sources(sources, author)
        insert_new_verdict(annotation, event, _new_links(sources))
        _archive_first_cited(sources)
        if earlier is not None:
            annotation.claim = claim_link(annotation=annotation, earlier=earlier, actor=author)
    return annotation


def _lock(annotation: Annotation, version: int | None) -> Annotation:
    """Re-read the row inside the transaction (locked on PostgreSQL) and check the version."""
    current = Annotation.objects.select_for_update().select_related("author", "article").get(pk=annotation.pk)
    if version is not None and current.version != version:
        last = current.events.select_related("actor").order_by("-at", "-id").first()
        raise VersionConflict(current, last)
    return current


SUBSTANCE = ("status", "note", "claimant", "claimant_type", "claim_date", "denied_by", "sources")


def annotation_update(
    *,
    annotation: Annotation,
    actor: User,
    version: int,
    status: str,
    note: str = "",
    claimant: str = "",
    claimant_type: str = "",
    claim_date: date | None = None,
    denied_by: str = "",
    sources: list[SourceLink] | None = None,
    same_claim_as: int | None = None,
) -> Annotation:
    """Change a verdict's status, note, attribution and sources (and, with `same_claim_as`, link it
    to that earlier verdict's claim: claim_link, in the same transaction).

    Rules: the author while draft or changes_requested, or an editor; same
    verdict rules as create; `version` must be the stored version, otherwise
    VersionConflict (nothing is overwritten). An editor's edit of an approved
    verdict makes it submitted again (workflow.state_after_edit); an editor who
    changes a submitted verdict becomes a contributor, and another editor must approve it.
    Side effects: version + 1, links replaced, one `edit` event listing the
    changed fields with old and new values.
    """
    sources = sources or []
    errors = _verdict_errors(
        status=status,
        denied_by=denied_by,
        note=note,
        claimant=claimant,
        sources=sources,
        claimant_type=claimant_type,
        claim_date=claim_date,
    )
    earlier = _same_claim_as(same_claim_as, actor=actor, errors=errors)
    with transaction.atomic():
        current = _lock(annotation, version)
        if current.is_deleted:
            raise ValidationError(_("This verdict was deleted."))
        if not can_edit_annotation(actor, current):
            raise PermissionDenied(edit_refusal(actor, current, "edit"))
        if errors:
            raise ValidationError(errors)
        sources = _resolve_sources(sources, actor)
        before = _substance(current)
        from_state, from_status = current.state, current.status
        current.status = status
        current.note = note
        current.claimant = claimant.strip()
        current.claimant_type = claimant_type
        current.claim_date = claim_date
        current.denied_by = denied_by.strip() if status == Status.DENIED else ""
        _replace_source_links(current, sources)
        _archive_first_cited(sources)
        after = _substance(current)
        # A list, not a dict: PostgreSQL's jsonb reorders object keys, and the timeline shows this order.
        changes = [
            {"field": field, "old": before[field], "new": after[field]}
            for field in SUBSTANCE
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
        if earlier is not None:
            current.claim = claim_link(annotation=current, earlier=earlier, actor=actor)
    return current


def _substance(annotation: Annotation) -> dict:
    return {
        "status": annotation.status,
        "note": annotation.note,
        "claimant": annotation.claimant,
        "claimant_type": annotation.claimant_type,
        "claim_date": annotation.claim_date.isoformat() if annotation.claim_date else None,
        "denied_by": annotation.denied_by,
        "sources": _links_snapshot(annotation),
    }


def annotation_submit(*, annotation: Annotation, actor: User, version: int) -> Annotation:
    """Send a draft (or a verdict returned for changes) to the editors' queue. See annotation_transition."""
    return annotation_transition(annotation=annotation, actor=actor, version=version, action=Action.SUBMIT)


def annotation_create_and_submit(*, article: Article, author: User, **verdict) -> Annotation:
    """Record a verdict and send it to the editors' queue in one step ("Save and submit").

    Rules: those of annotation_create, then those of annotation_transition(SUBMIT), in one
    transaction: a refused submission stores nothing. Side effects: both functions' (the verdict,
    its links, a `create` and a `submit` event; version 2)."""
    with transaction.atomic():
        created = annotation_create(article=article, author=author, **verdict)
        return annotation_submit(annotation=created, actor=author, version=created.version)


def annotation_update_and_submit(*, annotation: Annotation, actor: User, version: int, **verdict) -> Annotation:
    """Change a draft (or a verdict returned for changes) and submit it in one step ("Save and
    resubmit"). Rules: those of annotation_update, then of annotation_transition(SUBMIT), in one
    transaction: a refused submission changes nothing. Side effects: an `edit` and a `submit` event."""
    with transaction.atomic():
        updated = annotation_update(annotation=annotation, actor=actor, version=version, **verdict)
        return annotation_submit(annotation=updated, actor=actor, version=updated.version)


def annotation_approve(
    *, annotation: Annotation, editor: User, version: int, status: str | None = None, comment: str = ""
) -> Annotation:
    """Approve a submitted verdict, optionally with the editor's own status. See annotation_transition."""
    return annotation_transition(
        annotation=annotation, actor=editor, version=version, action=Action.APPROVE, comment=comment, status=status
    )


def annotation_request_changes(*, annotation: Annotation, editor: User, version: int, comment: str) -> Annotation:
    """Return a submitted verdict to its author. See annotation_transition."""
    return annotation_transition(
        annotation=annotation, actor=editor, version=version, action=Action.REQUEST_CHANGES, comment=comment
    )


def annotation_reopen(*, annotation: Annotation, editor: User, version: int, comment: str) -> Annotation:
    """Reopen an approved verdict: it goes back to the queue. See annotation_transition."""
    return annotation_transition(
        annotation=annotation, actor=editor, version=version, action=Action.REOPEN, comment=comment
    )


def annotation_transition(
    *, annotation: Annotation, actor: User, version: int, action: str, comment: str = "", status: str | None = None
) -> Annotation:
    """Submit, approve, request changes or reopen: the one path of every review move.

    Rules: the move must exist from the current state (workflow.TRANSITIONS); authors
    submit, editors review (roles.transition_refusal), never a verdict they wrote or whose
    substance they changed since it was submitted (unless FACTCHECK_ALLOW_SELF_APPROVAL);
    returning and reopening need a comment; an approval with a status of the editor's own
    needs a comment and the status rules (status_errors). `version` must be current.
    Side effects: new state, reviewer fields for editors' moves, first approval time,
    version + 1, one event; a decision's (workflow.DECISIONS) records the submission it answers
    (workflow.answered_submission), the desk's waits.
    """
    comment = comment.strip()
    with transaction.atomic():
        current = _lock(annotation, version)
        if current.is_deleted:
            raise ValidationError(_("This verdict was deleted."))
        try:
            transition = workflow.transition_for(action, current.state)
        except workflow.TransitionError as exc:
            raise ValidationError(str(exc)) from None
        history = list(current.events.order_by("at", "id").values_list("action", "actor_id", "changes", "at"))
        changed_by = contributors(row[:3] for row in history)
        refusal = transition_refusal(actor, current, transition, contributors=changed_by)
        if refusal:
            raise PermissionDenied(refusal)
        errors: dict[str, list[str]] = {}
        if transition.comment_required and not comment:
            errors["comment"] = [
                _("Say why you are reopening it.") if action == Action.REOPEN else _("Tell the author what to change.")
            ]
        from_state, from_status = current.state, current.status
        if action == Action.APPROVE:
            new_status = status or current.status
            supported = current.source_links.filter(relation=Relation.SUPPORTS).exists()
            problems = status_errors(status=new_status, denied_by=current.denied_by, supported=supported)
            if "status" in problems:
                errors["status"] = [problems["status"]]
            elif new_status != current.status and not comment:
                errors["comment"] = [_("Explain why you change the status: a comment is required.")]
            elif "denied_by" in problems:
                errors["status"] = [
                    _("A denied verdict needs who denied it: return it to the author, or edit it first.")
                ]
            elif "sources" in problems:
                errors["status"] = [problems["sources"]]
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
        answered = (
            workflow.answered_submission(((row[0], row[3]) for row in history), decided_at=now)
            if action in workflow.DECISIONS
            else None
        )
        _record(
            current,
            actor=actor,
            action=action,
            from_state=from_state,
            from_status=from_status,
            comment=comment,
            answers_submission_at=answered,
        )
        notifications.verdict_decided(annotation=current, actor=actor, action=action, message=comment)
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
            raise PermissionDenied(edit_refusal(actor, current, "delete"))
        current.deleted_at = current.updated_at = timezone.now()
        current.deleted_by = actor
        current.version += 1
        current.save()
        _record(current, actor=actor, action=Action.DELETE, from_state=current.state, from_status=current.status)
    return current


class StateConflict(Exception):
    """A write that the verdict's current state makes pointless (answered 409): the message says why."""


def annotation_restore(*, annotation: Annotation, actor: User) -> Annotation:
    """Undo a deletion. Rules: an editor at any time; whoever deleted it within
    the undo window; a live verdict is a StateConflict. Side effects: version + 1, one `restore` event."""
    with transaction.atomic():
        current = _lock(annotation, None)
        if not current.is_deleted:
            raise StateConflict(_("This verdict is not deleted: there is nothing to restore. Reload the page."))
        if not can_restore_annotation(actor, current):
            raise PermissionDenied(_("The undo window has passed: ask an editor to restore this verdict."))
        current.deleted_at = None
        current.deleted_by = None
        current.version += 1
        current.updated_at = timezone.now()
        current.save()
        _record(current, actor=actor, action=Action.RESTORE, from_state=current.state, from_status=current.status)
    return current


# --- Versions: a corrected body, and every live verdict re-anchored on it -------------------------


@dataclass(frozen=True, slots=True)
class ReanchorItem:
    """What re-anchoring did to one verdict: its span before (on version `old_version`) and after
    (None for an orphan, which keeps its old span), the outcome and the score."""

    annotation_id: int
    outcome: str
    score: float
    old_version: int
    old: tuple[int, int, str]
    new: tuple[int, int, str] | None


@dataclass(frozen=True, slots=True)
class VersionReport:
    article: Article
    version: int
    items: list[ReanchorItem]


def article_version_check(*, article: Article, body: str) -> str:
    """The rules for a corrected body: normalised as an import is (NFC, `\\n`), not empty, at most
    FACTCHECK_MAX_ARTICLE_BYTES, different from the current version and from every other article's
    text. Returns the normalised body; otherwise ValidationError on `body`."""
    body = normalize_text(body)
    size = len(body.encode("utf-8"))
    if not has_visible_text(body):
        raise ValidationError({"body": [_("The corrected text is empty.")]})
    if size > settings.FACTCHECK_MAX_ARTICLE_BYTES:
        raise ValidationError(
            {
                "body": [
                    _("The corrected text is %(size)s bytes; the limit is %(limit)s.")
                    % {"size": f"{size:,}", "limit": f"{settings.FACTCHECK_MAX_ARTICLE_BYTES:,}"}
                ]
            }
        )
    digest = body_sha256(body)
    if digest == article.body_sha256:
        raise ValidationError({"body": [_("This is the current text of the article: nothing changed.")]})
    existing = Article.objects.filter(body_sha256=digest).exclude(pk=article.pk).values_list("pk", "title").first()
    if existing is not None:
        raise _stored_already(*existing)
    return body


def article_version_refetch(*, article: Article, actor: User) -> VersionReport:
    """ "Check for updates": fetch the article's web address again and store its text as a new version.

    The page is fetched by fetching.fetch (its rules) and read as an import reads it
    (importing.read_page), so an unchanged page gives the same text and article_version_create
    refuses it as "nothing changed". A refusal (no address, a page that cannot be fetched or has
    no article text) is a ValidationError on `refetch`, and nothing is stored.
    """
    _require_corrector(actor)
    if not article.url:
        raise ValidationError({"refetch": [_("This article has no web address to check: paste the corrected text.")]})
    try:
        document = read_page(fetch(article.url))
    except FetchError as exc:
        raise ValidationError({"refetch": [ValidationError(str(exc), code=exc.code)]}) from None
    except ValidationError as exc:
        raise ValidationError({"refetch": exc.messages}) from None
    return article_version_create(article=article, actor=actor, body=document.body)


def _require_corrector(actor: User) -> None:
    if not user_is_reviewer(actor):
        raise PermissionDenied(_("Only reviewers and editors can store a corrected version."))


def article_version_create(*, article: Article, actor: User, body: str) -> VersionReport:
    """Store a corrected body as the article's next version and re-anchor every live verdict on it.

    Rules: reviewers and editors (_require_corrector); the body rules of article_version_check.
    The new body is segmented before the transaction (as article_import does). In one transaction,
    with the article row locked: the replaced body is kept once as an ArticleVersion, the article
    takes the new body, version + 1 and its sentences; every live verdict (orphans of earlier
    versions too) is re-anchored with anchoring.reanchor at FACTCHECK_REANCHOR_FLOOR. Exact and
    fuzzy ones move to the new span; an orphan keeps its span on the version it was on. An
    approved verdict whose quoted words changed goes back to `submitted` (the claim it judged
    changed; a change of whitespace alone does not count). Each verdict gets version + 1 and one
    `reanchor` event (old and new version, offsets and quote, outcome, score); nothing is deleted.
    """
    _require_corrector(actor)
    body = article_version_check(article=article, body=body)
    spans = split_sentences(body, article.language)
    floor = settings.FACTCHECK_REANCHOR_FLOOR
    try:
        with transaction.atomic():
            current = Article.objects.select_for_update().get(pk=article.pk)
            if current.body_sha256 != article.body_sha256:
                raise ValidationError(
                    {"body": [_("The article was corrected by someone else meanwhile: reload it and compare first.")]}
                )
            now = timezone.now()
            ArticleVersion.objects.create(
                article=current,
                number=current.version,
                body=current.body,
                body_sha256=current.body_sha256,
                created_at=current.corrected_at or current.imported_at,
                created_by=current.corrected_by if current.version > 1 else current.imported_by,
                replaced_at=now,
            )
            current.body, current.body_sha256 = body, body_sha256(body)
            current.version += 1
            current.corrected_at, current.corrected_by = now, actor
            current.save(update_fields=["body", "body_sha256", "version", "corrected_at", "corrected_by"])
            current.sentences.all().delete()
            insert_sentences([(current.pk, s.index, s.paragraph, s.start, s.end) for s in spans])
            items = _reanchor_verdicts(current, actor=actor, floor=floor, now=now)
    except IntegrityError:  # the same text stored as another article meanwhile (unique body_sha256)
        raise ValidationError({"body": [_("This text was stored as another article meanwhile.")]}) from None
    return VersionReport(article=current, version=current.version, items=items)


REANCHORED_FIELDS = (
    *("start", "end", "quote", "prefix", "suffix", "article_version", "anchor"),
    *("state", "submitted_at", "version", "updated_at"),
)


def _reanchor_verdicts(article: Article, *, actor: User, floor: float, now: datetime) -> list[ReanchorItem]:
    verdicts = list(
        Annotation.objects.select_for_update().filter(article=article, deleted_at__isnull=True).order_by("id")
    )
    items, events = [], []
    for verdict in verdicts:
        found = reanchor(article.body, quote=verdict.quote, prefix=verdict.prefix, suffix=verdict.suffix, floor=floor)
        old = (verdict.start, verdict.end, verdict.quote)
        old_version, old_anchor = verdict.article_version, verdict.anchor
        from_state = verdict.state
        changes = [
            {"field": "anchor", "old": old_anchor, "new": found.outcome},
            {"field": "score", "old": None, "new": found.score},
        ]
        comment = _reanchor_comment(article.version, found)
        new = None
        if found.anchor is not None:
            new = (found.anchor.start, found.anchor.end, found.anchor.quote)
            changes += [
                {"field": "article_version", "old": old_version, "new": article.version},
                {"field": "start", "old": verdict.start, "new": found.anchor.start},
                {"field": "end", "old": verdict.end, "new": found.anchor.end},
            ]
            if found.anchor.quote != verdict.quote:
                changes.append({"field": "quote", "old": verdict.quote, "new": found.anchor.quote})
            words_changed = not same_words(verdict.quote, found.anchor.quote)
            verdict.start, verdict.end, verdict.quote = found.anchor.start, found.anchor.end, found.anchor.quote
            verdict.prefix, verdict.suffix = found.anchor.prefix, found.anchor.suffix
            verdict.article_version = article.version
            if words_changed and verdict.state == State.APPROVED:
                verdict.state, verdict.submitted_at = State.SUBMITTED, now
                comment += " The quoted words changed, so the approved verdict goes back to the queue."
        verdict.anchor = found.outcome
        verdict.version += 1
        verdict.updated_at = now
        events.append(
            _event(
                verdict,
                actor=actor,
                action=Action.REANCHOR,
                from_state=from_state,
                from_status=verdict.status,
                comment=comment,
                changes=changes,
            )
        )
        items.append(ReanchorItem(verdict.pk, found.outcome, found.score, old_version, old, new))
    # One UPDATE per verdict: bulk_update's CASE per column and row cost seconds to build for 500.
    for verdict in verdicts:
        verdict.save(update_fields=REANCHORED_FIELDS)
    AnnotationEvent.objects.bulk_create(events, batch_size=500)
    return items


def _reanchor_comment(version: int, found: Reanchored) -> str:
    if found.outcome == EXACT:
        return f"Found unchanged in version {version}."
    if found.outcome == FUZZY:
        return f"Moved to the closest text in version {version} (similarity {found.score:.2f})."
    return f"Orphaned by version {version}: {found.reason} It keeps its place in the earlier version."


def annotation_reselect(
    *, annotation: Annotation, actor: User, version: int, start: int, end: int, quote: str
) -> Annotation:
    """Re-select an orphan's text in the current version of its article (the orphan queue).

    Rules: the verdict's author or an editor (roles.can_resolve_orphan); the verdict must be an
    orphan (on an earlier version); the span is checked as at creation (anchoring.anchor_span).
    The new span's outcome is `exact` when the quote is the same, else `fuzzy`; an approved verdict
    whose quoted words changed goes back to `submitted`, as in re-anchoring. Side effects:
    version + 1, one `reanchor` event with old and new position.
    """
    with transaction.atomic():
        current = _lock(annotation, version)
        article = current.article
        if current.is_deleted:
            raise ValidationError(_("This verdict was deleted."))
        if not can_resolve_orphan(actor, current):
            raise PermissionDenied(_("Only its author or an editor can re-select the text of this verdict."))
        if current.article_version == article.version:
            raise StateConflict(_("This verdict is already on the current version of its article. Reload the page."))
        try:
            anchor = anchor_span(article.body, start=start, end=end, quote=quote)
        except SpanError as exc:
            raise ValidationError({"quote": [str(exc)]}) from None
        now = timezone.now()
        outcome = EXACT if anchor.quote == current.quote else FUZZY
        changes = [
            {"field": "anchor", "old": current.anchor, "new": outcome},
            {"field": "article_version", "old": current.article_version, "new": article.version},
            {"field": "start", "old": current.start, "new": anchor.start},
            {"field": "end", "old": current.end, "new": anchor.end},
        ]
        if anchor.quote != current.quote:
            changes.append({"field": "quote", "old": current.quote, "new": anchor.quote})
        comment = f"Text re-selected in version {article.version} by {actor.get_username()}."
        from_state = current.state
        if not same_words(current.quote, anchor.quote) and current.state == State.APPROVED:
            current.state, current.submitted_at = State.SUBMITTED, now
            comment += " The quoted words changed, so the approved verdict goes back to the queue."
        current.start, current.end, current.quote = anchor.start, anchor.end, anchor.quote
        current.prefix, current.suffix = anchor.prefix, anchor.suffix
        current.article_version, current.anchor = article.version, outcome
        current.version += 1
        current.updated_at = now
        current.save()
        _record(
            current,
            actor=actor,
            action=Action.REANCHOR,
            from_state=from_state,
            from_status=current.status,
            comment=comment,
            changes=changes,
        )
    return current


def annotation_reselect_passage(*, annotation: Annotation, actor: User, version: int, passage: str) -> Annotation:
    """Re-select an orphan's text by the passage a reviewer pasted (anchoring.locate: it must occur
    exactly once in the current version, NFC-normalised as bodies are). See annotation_reselect."""
    if not can_resolve_orphan(actor, annotation):
        raise PermissionDenied(_("Only its author or an editor can re-select the text of this verdict."))
    try:
        anchor = locate(annotation.article.body, normalize_text(passage))
    except SpanError as exc:
        raise ValidationError({"passage": [str(exc)]}) from None
    return annotation_reselect(
        annotation=annotation, actor=actor, version=version, start=anchor.start, end=anchor.end, quote=anchor.quote
    )


def annotation_orphan_close(*, annotation: Annotation, actor: User, version: int, reason: str) -> Annotation:
    """Close an orphan that has no text in the current version, with a reason (the orphan queue).

    Rules: the verdict's author or an editor (roles.can_resolve_orphan); an orphan only; a reason
    is required. It is soft-deleted like any verdict (kept; editors can restore it, and it comes
    back as an orphan). Side effects: version + 1, one `delete` event with the reason.
    """
    reason = reason.strip()
    with transaction.atomic():
        current = _lock(annotation, version)
        if current.is_deleted:
            raise StateConflict(_("This verdict is closed already. Reload the page."))
        if not can_resolve_orphan(actor, current):
            raise PermissionDenied(_("Only its author or an editor can close this verdict."))
        if current.article_version == current.article.version:
            raise StateConflict(_("This verdict is on the current version of its article: it is not an orphan."))
        if not reason:
            raise ValidationError({"reason": [_("Say why the verdict is closed.")]})
        if len(reason) > COMMENT_LENGTH:
            raise ValidationError(
                {"reason": [_("Keep the reason under %(limit)s characters.") % {"limit": f"{COMMENT_LENGTH:,}"}]}
            )
        current.deleted_at = current.updated_at = timezone.now()
        current.deleted_by = actor
        current.version += 1
        current.save()
        _record(
            current,
            actor=actor,
            action=Action.DELETE,
            from_state=current.state,
            from_status=current.status,
            comment=f"Closed as an orphan: {reason}",
        )
    return current


# --- Claims: one statement checked in more than one place ----------------------------------------
#
# Locks: verdict rows first (in id order), then claim rows, in every function below, so that two
# links racing for the same verdicts wait for each other instead of deadlocking; each re-reads the
# claim of every verdict under its lock, so the second of two "create a claim from both" becomes a
# join of the first's claim.

SAME_CLAIM_UNKNOWN = gettext_lazy("Choose a verdict from the list: this one does not exist or you cannot see it.")
CLAIM_MIN = 2


def _same_claim_as(pk: int | None, *, actor: User, errors: dict) -> Annotation | None:
    """The earlier verdict a form or API write names in `same_claim_as`, if the actor may see it
    (selectors.visibility_filter); else an error on that field in `errors`."""
    if pk is None:
        return None
    earlier = _visible_verdict(pk, actor=actor)
    if earlier is None:
        errors["same_claim_as"] = [SAME_CLAIM_UNKNOWN]
    return earlier


def _visible_verdict(pk: object, *, actor: User) -> Annotation | None:
    number = parse_id(pk)
    if number is None:
        return None
    return Annotation.objects.filter(visibility_filter(actor), pk=number).first()


def _lock_verdicts(pks: list[int]) -> dict[int, Annotation]:
    """The verdict rows, locked in id order (plain reads on SQLite, whose writes are serial)."""
    return {a.pk: a for a in Annotation.objects.select_for_update().filter(pk__in=pks).order_by("pk")}


def _lock_claim(pk: int) -> Claim:
    claim = Claim.objects.select_for_update().filter(pk=pk).first()
    if claim is None:
        raise ValidationError({"claim": [_("This claim no longer exists: its last appearance was removed.")]})
    return claim


def _may_link(actor: User, annotation: Annotation, verb: str) -> None:
    """The verdict being linked or unlinked: live, and the actor may edit it (roles.can_edit_annotation)."""
    if annotation.is_deleted:
        raise ValidationError({"annotation": [_("This verdict was deleted.")]})
    if not can_edit_annotation(actor, annotation):
        raise PermissionDenied(edit_refusal(actor, annotation, verb))


def _set_claim(annotation: Annotation, claim: Claim | None, *, actor: User, at: datetime) -> None:
    """Point the (locked) verdict at `claim` and record it in its history. Not an edit: its version
    and updated_at stay (a form open on it is not stale, a review is not undone)."""
    old = annotation.claim_id
    annotation.claim = claim
    annotation.save(update_fields=["claim"])
    _record(
        annotation,
        actor=actor,
        action=Action.CLAIM_LINK if claim is not None else Action.CLAIM_UNLINK,
        from_state=annotation.state,
        from_status=annotation.status,
        changes=[{"field": "claim", "old": old, "new": claim.pk if claim is not None else None}],
        at=at,
    )


def claim_create(*, annotations: list[Annotation], actor: User) -> Claim:
    """Group verdicts that check the same statement into a new claim.

    Rules: at least two verdicts, each live and visible to the actor (selectors.visibility_filter),
    none in a claim already; the actor may edit at least one of them (linking is editing that one;
    the others are the earlier checks it names, as in claim_link). Side effects: one Claim, each
    verdict pointing at it, a `claim_link` event in each verdict's history.
    """
    pks = list(dict.fromkeys(a.pk for a in annotations))
    if len(pks) < CLAIM_MIN:
        raise ValidationError(
            {"annotations": [_("Name at least two verdicts: a claim is one statement checked in more than one place.")]}
        )
    with transaction.atomic():
        locked = _lock_verdicts(pks)
        visible = set(Annotation.objects.filter(visibility_filter(actor), pk__in=pks).values_list("pk", flat=True))
        problems = [
            _("Verdict %(id)s does not exist or you cannot see it.") % {"id": pk} for pk in pks if pk not in visible
        ]
        problems += [
            _("Verdict %(id)s is already in claim %(claim)s: add the others to that claim.")
            % {"id": pk, "claim": locked[pk].claim_id}
            for pk in pks
            if pk in visible and locked[pk].claim_id is not None
        ]
        if problems:
            raise ValidationError({"annotations": problems})
        if not any(can_edit_annotation(actor, locked[pk]) for pk in pks):
            raise PermissionDenied(_("You can group verdicts into a claim only when you may edit one of them."))
        now = timezone.now()
        claim = Claim.objects.create(created_by=actor, created_at=now)
        for pk in pks:
            _set_claim(locked[pk], claim, actor=actor, at=now)
    return claim


def claim_add(*, claim: Claim, annotation: Annotation, actor: User) -> Claim:
    """Add a verdict to a claim as another appearance.

    Rules: the claim has an appearance the actor may see; the verdict is live, the actor may edit
    it (roles.can_edit_annotation), and it is in no other claim (remove it from that one first).
    Adding a verdict already in this claim changes nothing. Side effects: a `claim_link` event.
    """
    with transaction.atomic():
        current = _lock_verdicts([annotation.pk]).get(annotation.pk)
        if current is None:
            raise ValidationError({"annotation": [SAME_CLAIM_UNKNOWN]})
        claim = _lock_claim(claim.pk)
        if not Annotation.objects.filter(visibility_filter(actor), claim=claim).exists():
            raise ValidationError({"claim": [_("This claim does not exist or you cannot see it.")]})
        _may_link(actor, current, "link")
        if current.claim_id == claim.pk:
            return claim
        if current.claim_id is not None:
            raise ValidationError(
                {
                    "annotation": [
                        _("This verdict is already in claim %(claim)s: remove it from there first.")
                        % {"claim": current.claim_id}
                    ]
                }
            )
        _set_claim(current, claim, actor=actor, at=timezone.now())
    return claim


def claim_remove(*, claim: Claim, annotation: Annotation, actor: User) -> Claim | None:
    """Take a verdict out of its claim.

    Rules: the verdict is in this claim, live, and the actor may edit it (roles.can_edit_annotation).
    A claim left with one appearance is kept, as a desk expects: it is still that verdict's "checked
    before" link for the next check to join, and removing by mistake is undone by adding again. A
    claim left with none (deleted verdicts count: restoring one brings it back) is deleted; the
    answer is then None. Side effects: a `claim_unlink` event in the verdict's history.
    """
    with transaction.atomic():
        current = _lock_verdicts([annotation.pk]).get(annotation.pk)
        claim = _lock_claim(claim.pk)
        if current is None or current.claim_id != claim.pk:
            raise ValidationError({"annotation": [_("This verdict is not in this claim.")]})
        _may_link(actor, current, "unlink")
        _set_claim(current, None, actor=actor, at=timezone.now())
        if not Annotation.objects.filter(claim=claim).exists():
            claim.delete()
            return None
    return claim


def claim_link(*, annotation: Annotation, earlier: Annotation, actor: User) -> Claim:
    """ "Same claim as that earlier verdict": put `annotation` in `earlier`'s claim, or `earlier` in
    `annotation`'s, or a new claim around both. The verdict form's and the API's `same_claim_as`.

    Rules: those of editing for `annotation` (live; roles.can_edit_annotation); `earlier` is
    another verdict the actor may see (selectors.visibility_filter), else an error on
    `same_claim_as`; two verdicts already in different claims are refused (a verdict is in one
    claim: remove it first). Already together: nothing changes. Side effects: a `claim_link`
    event in each verdict whose claim changed (a new claim: both, the earlier first).
    """
    if annotation.pk == earlier.pk:
        raise ValidationError({"same_claim_as": [_("A verdict cannot be the same claim as itself: choose another.")]})
    with transaction.atomic():
        locked = _lock_verdicts([annotation.pk, earlier.pk])
        current = locked.get(annotation.pk)
        if current is None:
            raise ValidationError(_("This verdict no longer exists."))
        if earlier.pk not in locked or _visible_verdict(earlier.pk, actor=actor) is None:
            raise ValidationError({"same_claim_as": [SAME_CLAIM_UNKNOWN]})
        _may_link(actor, current, "link")
        other = locked[earlier.pk]
        now = timezone.now()
        if current.claim_id is not None and current.claim_id == other.claim_id:
            return _lock_claim(current.claim_id)
        if current.claim_id is not None and other.claim_id is not None:
            raise ValidationError(
                {
                    "same_claim_as": [
                        _(
                            "This verdict is in claim %(claim)s and the earlier one in claim %(other)s: "
                            "remove this one from its claim first."
                        )
                        % {"claim": current.claim_id, "other": other.claim_id}
                    ]
                }
            )
        if other.claim_id is not None:
            claim = _lock_claim(other.claim_id)
            _set_claim(current, claim, actor=actor, at=now)
        elif current.claim_id is not None:
            claim = _lock_claim(current.claim_id)
            _set_claim(other, claim, actor=actor, at=now)
        else:
            claim = Claim.objects.create(created_by=actor, created_at=now)
            _set_claim(other, claim, actor=actor, at=now)
            _set_claim(current, claim, actor=actor, at=now)
    return claim


# --- Assignments ----------------------------------------------------------------------------------


def _assignee_errors(reviewer: User | None, username: str) -> dict[str, str]:
    if reviewer is None or not reviewer.is_active:
        return {"reviewer": _("There is no active desk member called “%(username)s”.") % {"username": username}}
    if not user_is_reviewer(reviewer):
        return {
            "reviewer": _("%(username)s is not a reviewer: only reviewers and editors can be assigned.")
            % {"username": reviewer.get_username()}
        }
    return {}


@transaction.atomic
def assignment_create(
    *, article: Article, username: str, editor: User, due: date | None = None, note: str = ""
) -> Assignment:
    """An editor asks a reviewer to check an article, by a due date (optional, not in the past)
    and with a note.

    Rules: editors only (PermissionDenied); the assignee must be an active reviewer or editor, the
    note at most its field's length (ValidationError on `reviewer`, `due`, `note`). Assigning someone
    already assigned changes the due date and note: the open row is closed as removed by this
    editor and a new one opened, so the record keeps both. Nothing else changes.
    """
    if not user_is_editor(editor):
        raise PermissionDenied(_("Only editors can assign articles."))
    reviewer = get_user_model().objects.filter(username=username).first()
    errors = _assignee_errors(reviewer, username)
    if due is not None and due < timezone.localdate():
        errors["due"] = _("The due date is in the past.")
    if len(note) > field_limit(Assignment, "note"):
        errors["note"] = _("At most %(limit)s characters.") % {"limit": field_limit(Assignment, "note")}
    if "\x00" in note:
        errors["note"] = _("The note cannot contain NUL characters.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    Assignment.objects.select_for_update().filter(article=article, reviewer=reviewer, removed_at=None).update(
        removed_at=now, removed_by=editor
    )
    assignment = Assignment.objects.create(
        article=article, reviewer=reviewer, due=due, note=note, assigned_by=editor, assigned_at=now
    )
    notifications.assignment_made(assignment=assignment)
    return assignment


@transaction.atomic
def assignment_remove(*, article: Article, username: str, editor: User) -> Assignment:
    """An editor takes an article back from a reviewer: the open assignment is closed, recorded as
    removed by this editor (never deleted). Editors only; no open assignment is a ValidationError
    on `reviewer`."""
    if not user_is_editor(editor):
        raise PermissionDenied(_("Only editors can assign articles."))
    assignment = (
        Assignment.objects.select_for_update()
        .filter(article=article, reviewer__username=username, removed_at=None)
        .first()
    )
    if assignment is None:
        raise ValidationError(
            {"reviewer": _("“%(username)s” is not assigned to this article.") % {"username": username}}
        )
    assignment.removed_at, assignment.removed_by = timezone.now(), editor
    assignment.save(update_fields=["removed_at", "removed_by"])
    return assignment


# --- Discussion on a verdict ----------------------------------------------------------------------

# At most this many different @names of one comment are looked up; any further ones stay text.
MAX_MENTIONS = 20


def _discussed(annotation: Annotation, actor: User) -> Annotation:
    """The verdict as the actor may see it now (selectors.visibility_filter, the one rule), if they
    may discuss it (roles.can_discuss); PermissionDenied otherwise."""
    current = Annotation.objects.filter(visibility_filter(actor), pk=annotation.pk).first()
    if current is None or not can_discuss(actor, current):
        raise PermissionDenied(DISCUSS_REFUSAL)
    return current


def comment_body_check(body: str) -> str:
    """A comment's text as stored: every line ending a line feed, stripped; not empty, no NUL, at
    most the field's length (ValidationError on `body`)."""
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    limit = field_limit(Comment, "body")
    if not body:
        raise ValidationError({"body": _("Write a comment first.")})
    if "\x00" in body:
        raise ValidationError({"body": _("The comment cannot contain NUL characters.")})
    if len(body) > limit:
        raise ValidationError(
            {"body": _("At most %(limit)s characters (this one has %(count)s).") % {"limit": limit, "count": len(body)}}
        )
    return body


def _mentioned(annotation: Annotation, body: str) -> list:
    """The accounts a comment's @names mention: active desk members who may read the thread
    (selectors.readers_of). Any other @word stays plain text."""
    names = mentioned_names(body)[:MAX_MENTIONS]
    if not names:
        return []
    return readers_of(annotation, list(get_user_model().objects.filter(username__in=names, is_active=True)))


@transaction.atomic
def comment_create(*, annotation: Annotation, author: User, body: str) -> Comment:
    """A comment in a verdict's discussion.

    Rules: the author may discuss the verdict (`_discussed`: PermissionDenied); the body passes
    `comment_body_check` (ValidationError on `body`). Side effects: the comment and its mentions
    (`_mentioned`). The verdict is not touched: no state, version, `updated_at` or event changes.
    """
    current = _discussed(annotation, author)
    comment = Comment.objects.create(
        annotation=current, author=author, body=comment_body_check(body), created_at=timezone.now()
    )
    mentioned = _mentioned(current, comment.body)
    comment.mentions.set(mentioned)
    notifications.comment_written(comment=comment, mentioned=mentioned)
    return comment


def _lock_comment(comment: Comment) -> Comment:
    """The comment's row, locked (not its verdict's: a comment changes nothing of the verdict)."""
    return Comment.objects.select_for_update(of=("self",)).select_related("annotation").get(pk=comment.pk)


@transaction.atomic
def comment_edit(*, comment: Comment, actor: User, body: str) -> Comment:
    """Change a comment's words: its writer only, within FACTCHECK_COMMENT_EDIT_SECONDS
    (roles.comment_edit_refusal: PermissionDenied), while they may still discuss the verdict. The
    body is checked as a new one's; `edited_at` is set and the mentions read again. An unchanged
    body changes nothing."""
    current = _lock_comment(comment)
    annotation = _discussed(current.annotation, actor)
    refusal = comment_edit_refusal(actor, current, now=timezone.now())
    if refusal:
        raise PermissionDenied(refusal)
    body = comment_body_check(body)
    if body != current.body:
        current.body, current.edited_at = body, timezone.now()
        current.save(update_fields=["body", "edited_at"])
        before = set(current.mentions.values_list("pk", flat=True))
        mentioned = _mentioned(annotation, body)
        current.mentions.set(mentioned)
        notifications.mentions_added(comment=current, mentioned=[user for user in mentioned if user.pk not in before])
    return current


@transaction.atomic
def comment_delete(*, comment: Comment, actor: User) -> Comment:
    """Take a comment out of the discussion: its writer or an editor (roles.comment_delete_refusal:
    PermissionDenied), while they may discuss the verdict. Never silent and never a row deleted: the
    thread shows "deleted by X" in its place; the body is kept for the record but not shown again."""
    current = _lock_comment(comment)
    _discussed(current.annotation, actor)
    refusal = comment_delete_refusal(actor, current)
    if refusal:
        raise PermissionDenied(refusal)
    current.deleted_at, current.deleted_by = timezone.now(), actor
    current.save(update_fields=["deleted_at", "deleted_by"])
    return current
