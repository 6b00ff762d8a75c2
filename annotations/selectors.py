"""Reads shared by pages, the API and the exports, with their query planning.

`visibility_filter` is the one statement of who may see which verdicts; every read of verdicts
(and of anything counted from them) goes through it. Output shapes are in records.py.
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache, lru_cache

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Cast, Coalesce, Concat, Length, Substr
from django.urls import reverse
from django.utils import timezone

from . import db, logins, reader, records, roles, similarity, workflow
from .db import IdsIn, IsoText, fetch_tuples, instance_from_row
from .models import (
    Action,
    Annotation,
    AnnotationEvent,
    AnnotationSource,
    Article,
    ArticleImport,
    ArticleVersion,
    Assignment,
    Claim,
    Comment,
    Notification,
    Sentence,
    Source,
    SourceSnapshot,
    State,
    Status,
)
from .parsing import BIGINT_MAX

# --- Who may see what ----------------------------------------------------------------------------


def visibility_filter(viewer, *, prefix: str = "", deleted: bool = False, published: bool = False) -> Q:
    """The verdicts `viewer` may see: drafts only by their author and editors; never the deleted
    (`deleted=True`: only the deleted, for restoring them); approved only where `published`, and
    for anyone not logged in. Published verdicts are also anchored: on their article's current
    version (an orphan is not published). `viewer=None` is the system (management commands):
    every verdict.
    """
    return _visibility(
        _viewer_kind(viewer), getattr(viewer, "pk", None), prefix=prefix, deleted=deleted, published=published
    )


def readers_of(annotation: Annotation, users: list) -> list:
    """Of these users, the active ones who may see the verdict now (visibility_filter, asked for all
    of them in one query) and read and write its discussion (roles.can_discuss): who a mention may
    name and who a notification about the verdict may reach. The users' groups are read here, in
    one query, unless already known."""
    users = [user for user in users if user.is_active]
    if not users:
        return []
    unknown = [user for user in users if getattr(user, "_factcheck_groups", None) is None]
    if unknown:
        groups = defaultdict(set)
        through = get_user_model().groups.through.objects.filter(user_id__in=[user.pk for user in unknown])
        for user_id, name in through.values_list("user_id", "group__name"):
            groups[user_id].add(name)
        for user in unknown:
            roles.remember_groups(user, groups[user.pk])
    seen = Annotation.objects.filter(pk=annotation.pk).aggregate(
        **{f"user_{user.pk}": Count("pk", filter=visibility_filter(user)) for user in users}
    )
    return [user for user in users if seen[f"user_{user.pk}"] and roles.can_discuss(user, annotation)]


def _viewer_kind(viewer) -> str:
    if viewer is None:
        return "system"
    if not viewer.is_authenticated:
        return "anonymous"
    return "editor" if roles.user_is_editor(viewer) else "member"


def _visibility(kind: str, viewer_id, *, prefix: str = "", deleted: bool = False, published: bool = False) -> Q:
    """visibility_filter for a kind of viewer and their id: the rule itself, stated once."""

    def q(lookup: str, value) -> Q:
        return Q((f"{prefix}{lookup}", value))

    seen = q("deleted_at__isnull", not deleted)
    if published or kind == "anonymous":
        seen &= q("state", State.APPROVED) & q("article_version", F(f"{prefix}article__version"))
    if kind in ("system", "editor"):
        return seen
    return seen & (~q("state", State.DRAFT) | q("author_id", viewer_id))


def visible_annotations(*, viewer, deleted: bool = False) -> QuerySet[Annotation]:
    return Annotation.objects.filter(visibility_filter(viewer, deleted=deleted))


def annotation_for(*, viewer, pk: int, deleted: bool | None = False) -> Annotation | None:
    """One verdict with its article and author if this viewer may see it, else None.
    `deleted=None`: live or deleted (restoring)."""
    if not 0 < pk <= BIGINT_MAX:
        return None
    if deleted is None:
        query = visibility_filter(viewer) | visibility_filter(viewer, deleted=True)
    else:
        query = visibility_filter(viewer, deleted=deleted)
    return Annotation.objects.filter(query, pk=pk).select_related("article", "author").first()


# --- Search: one meaning of "matches these words", for the pages and the API ---------------------


def article_matches(words: str) -> Q:
    """Articles whose title or text holds every word (the last may be the start of one): the desk
    search's engine (db.search_ids). No words, no narrowing."""
    found = db.search_words(words)
    return Q(id__in=db.search_ids(Article, kind="article", words=found)) if found else Q()


def source_matches(words: str) -> Q:
    """Sources whose title, publisher or URL holds every word (the last may be the start of one),
    by the desk search's engine. No words, no narrowing."""
    found = db.search_words(words)
    return Q(id__in=db.search_ids(Source, kind="source", words=found)) if found else Q()


SEARCH_TYPES = ("verdict", "article", "source")


@dataclass(frozen=True)
class SearchFilters:
    """What a desk search may be narrowed by; each applies to the types that have it."""

    status: str = ""  # verdicts
    state: str = ""  # verdicts
    article: int | None = None  # verdicts
    reviewer: int | None = None  # verdicts: the author
    publisher: str = ""  # articles and sources (contains)
    since: date | None = None  # created (verdicts, sources) / published (articles), inclusive
    until: date | None = None


def desk_search(
    *,
    viewer,
    query: str,
    type: str = "verdict",
    filters: SearchFilters = SearchFilters(),
    offset: int = 0,
    limit: int = 20,
) -> list[dict]:
    """Search across the desk: verdicts (quote, note, claimant, denied by), articles (title, body)
    or sources (title, publisher, URL), every word required, the last one as a prefix, best first;
    when nothing matches, on PostgreSQL, close matches of each word in titles and quotes
    (db.search_fuzzy: "Huwei" finds "Huawei").
    One shape whatever the engine (db.search_match): {type, id, score, title, snippet, url} and
    `article` ({id, title}) for verdicts; the snippet is plain text with the matched words between
    db.SEARCH_MARK. Verdicts go through visibility_filter, sources through visible_sources. One
    query; no words, no query."""
    words = db.search_words(query)
    if not words or type not in SEARCH_TYPES:
        return []
    if type == "verdict":
        rows = Annotation.objects.filter(visibility_filter(viewer)).select_related("article")
        snippet = (
            Concat(
                "quote", Value(" — "), "claimant", Value(" "), "denied_by", Value(" "), "note", output_field=TextField()
            ),
            _ts_config("article__language"),
        )
        for name in ("status", "state"):
            if getattr(filters, name):
                rows = rows.filter(**{name: getattr(filters, name)})
        if filters.article is not None:
            rows = rows.filter(article_id=filters.article)
        if filters.reviewer is not None:
            rows = rows.filter(author_id=filters.reviewer)
        dated = "created_at__date"
    elif type == "article":
        rows = Article.objects.defer("body")
        snippet = ("body", _ts_config("language"))
        dated = "published_at"
    else:
        rows = visible_sources(viewer=viewer)
        snippet = (
            Concat("title", Value(" — "), "publisher", Value(" "), "url", output_field=TextField()),
            Value("simple"),
        )
        dated = "created_at__date"
    if filters.publisher and type != "verdict":
        rows = rows.filter(publisher__icontains=filters.publisher)
    if filters.since:
        rows = rows.filter(**{f"{dated}__gte": filters.since})
    if filters.until:
        rows = rows.filter(**{f"{dated}__lte": filters.until})
    found = db.search_match(rows, kind=type, words=words, snippet_of=snippet, offset=offset, limit=limit)
    results = [_search_result(type, row) for row in found]
    if not results and not offset:
        # Nothing has these words: on PostgreSQL, titles and quotes with words like them (a typo).
        close = db.search_fuzzy(rows, kind=type, words=words)
        if close is not None:
            results = [_search_result(type, row) for row in close.order_by("-search_score", "-id")[:limit]]
    return results


def _ts_config(language_field: str):
    """PostgreSQL's text search configuration for a language (function from migration 0013)."""
    return Func(F(language_field), function="factcheck_ts_config", output_field=CharField())


def _search_result(type: str, row) -> dict:
    result = {
        "type": type,
        "id": row.pk,
        "score": round(float(row.search_score), 6),
        "snippet": db.search_snippet_text(row.search_snippet),
    }
    if type == "verdict":
        result["title"] = row.quote
        result["url"] = f"{row.article.get_absolute_url()}#annotation-{row.pk}"
        result["article"] = {"id": row.article_id, "title": row.article.title}
        result["status"], result["state"] = row.status, row.state
    elif type == "article":
        result["title"] = row.title
        result["url"] = row.get_absolute_url()
    else:
        result["title"] = row.title
        result["url"] = reverse("annotations:source-archive", args=[row.pk])
    return result


def desk_members() -> QuerySet:
    """The desk's reviewers and editors (active accounts), by username: the choices of a
    "reviewer" filter."""
    users = get_user_model().objects.filter(is_active=True, groups__name__in=roles.ROLE_GROUPS)
    return users.distinct().order_by("username").only("id", "username")


# --- Checked before: earlier verdicts on similar claims -------------------------------------------

SIMILAR_CANDIDATES = 50


def similar_verdicts(
    *,
    viewer,
    text: str,
    exclude_annotation: int | None = None,
    exclude_article: int | None = None,
    limit: int = 5,
    with_sources: bool = True,
) -> list[tuple[Annotation, float]]:
    """Earlier verdicts on claims like `text` in other articles, best first, with how alike they
    are (0 to 1): "Checked before" in the verdict panel and GET /api/v1/similar/.

    The verdicts this viewer may see (visibility_filter), but never someone else's draft, even to
    an editor: only work others may rely on. Never `exclude_annotation` itself nor anything in its
    article or in `exclude_article` (the article being read). Candidates: the SIMILAR_CANDIDATES
    best by the full-text index among verdicts whose quote holds any of the claim's words
    (db.similar_match); order: similarity.similarity of the text to each quote and to the
    sentences around it, at least similarity.SIMILAR_FLOOR. Each with its article (no body) and
    its source links (`with_sources`). Two queries (one when nothing is close enough or without
    sources); no words, no query."""
    words = similarity.query_words(text)
    if not words:
        return []
    rows = Annotation.objects.filter(visibility_filter(viewer)).exclude(
        Q(state=State.DRAFT) & ~Q(author_id=getattr(viewer, "pk", None))
    )
    if exclude_annotation is not None:
        rows = rows.exclude(pk=exclude_annotation).exclude(
            article_id__in=Annotation.objects.filter(pk=exclude_annotation).values("article_id")
        )
    if exclude_article is not None:
        rows = rows.exclude(article_id=exclude_article)
    around = Sentence.objects.filter(
        article_id=OuterRef("article_id"), start__lt=OuterRef("end"), end__gt=OuterRef("start")
    )
    first = Subquery(around.order_by("start").values("start")[:1])
    last = Subquery(around.order_by("-end").values("end")[:1])
    candidates = (
        db.similar_match(rows, words=words)
        .select_related("article")
        .defer("article__body")
        .annotate(
            # The sentences holding the quote, cut from the body by the database; an orphan's span
            # points into an earlier body, so it is compared by its quote alone.
            sentence_text=Case(
                When(anchored(), then=Substr("article__body", first + 1, last - first)),
                default=Value(""),
                output_field=TextField(),
            )
        )
        .order_by("-search_score", "-id")[:SIMILAR_CANDIDATES]
    )
    scored = [
        (annotation, similarity.similarity(text, annotation.quote, annotation.sentence_text or ""))
        for annotation in candidates
    ]
    scored = [(annotation, score) for annotation, score in scored if score >= similarity.SIMILAR_FLOOR]
    scored.sort(key=lambda pair: (-pair[1], -pair[0].pk))
    found = scored[:limit]
    if with_sources:
        links = AnnotationSource.objects.select_related("source").order_by("position", "id")
        prefetch_related_objects([annotation for annotation, _ in found], Prefetch("source_links", queryset=links))
    return found


def similar_records(**arguments) -> list[dict]:
    """similar_verdicts as the API answers it: `{annotation: <the verdict's record>, score}`, best
    first, each record as GET /api/v1/annotations/<id>/ answers it (verdict_records: three queries)."""
    found = similar_verdicts(**arguments, with_sources=False)
    if not found:
        return []
    rows = {row["id"]: row for row in verdict_rows(Annotation.objects.filter(IdsIn("id", [a.pk for a, _ in found])))}
    verdicts = verdict_records([rows[annotation.pk] for annotation, _ in found])
    return [{"annotation": record, "score": score} for record, (_, score) in zip(verdicts, found, strict=True)]


def visible_sources(*, viewer) -> QuerySet[Source]:
    """Sources follow their verdicts: one cited by live verdicts is seen by whoever may see one of
    them (a source cited only by drafts, only by their authors and editors); one no live verdict
    cites (just added to the library, or cited only by deleted verdicts) by every reviewer."""
    live = AnnotationSource.objects.filter(source=OuterRef("pk"), annotation__deleted_at__isnull=True)
    seen = live.filter(visibility_filter(viewer, prefix="annotation__"))
    if viewer is not None and roles.user_is_editor(viewer):
        return Source.objects.all()
    return Source.objects.filter(~Exists(live) | Exists(seen))


def source_archive(*, viewer, pk: int) -> tuple[Source, SourceSnapshot | None] | None:
    """A source the viewer may see (visible_sources) with its latest snapshot, or None."""
    source = visible_sources(viewer=viewer).filter(pk=pk).first()
    if source is None:
        return None
    return source, source.snapshots.first()


def source_search(*, viewer, query: str, limit: int = 8) -> list[Source]:
    """The verdict form's source suggestions: the first visible sources matching every word, by title."""
    if not db.search_words(query):
        return []
    return list(visible_sources(viewer=viewer).filter(source_matches(query)).order_by("title", "id")[:limit])


# --- Articles ------------------------------------------------------------------------------------


@cache
def _article_by_id_sql() -> str:
    """`Article.objects.get(pk=…)` compiled by the ORM once per process."""
    names = [field.attname for field in Article._meta.concrete_fields]
    sql, _ = Article.objects.filter(pk=0).order_by().values_list(*names).query.sql_with_params()
    return sql


def article_by_id(pk: int) -> Article | None:
    """The article with this id, or None; as the ORM loads it, with the ORM's statement compiled
    once per process (every verdict created through the API names its article)."""
    if not 0 < pk <= BIGINT_MAX:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_article_by_id_sql(), [pk])
        row = cursor.fetchone()
    return None if row is None else instance_from_row(Article, row)


def article_list(*, viewer, search: str = "", review: str = "", assigned_to=None) -> QuerySet[Article]:
    """Articles, newest first, with sentence and verdict counts as this viewer may see them and
    their open assignments (`open_assignments`, reviewers loaded); filtered by title words, review
    progress (complete/open) and the reviewer an article is assigned to."""
    seen = visibility_filter(viewer, prefix="annotations__")
    counts = {
        f"{choice.value}_count": Count("annotations", filter=seen & Q(annotations__status=choice), distinct=True)
        for choice in Status
    } | {
        f"{choice.value}_state_count": Count("annotations", filter=seen & Q(annotations__state=choice), distinct=True)
        for choice in State
    }
    articles = Article.objects.defer("body").filter(article_matches(search))
    articles = articles.annotate(
        sentence_count=Count("sentences", distinct=True),
        annotation_count=Count("annotations", filter=seen, distinct=True),
        unreviewed_count=Count("annotations", filter=seen & ~Q(annotations__state=State.APPROVED), distinct=True),
        **counts,
    )
    if review == "complete":
        articles = articles.filter(annotation_count__gt=0, unreviewed_count=0)
    elif review == "open":
        articles = articles.filter(Q(annotation_count=0) | Q(unreviewed_count__gt=0))
    if assigned_to is not None:
        articles = articles.filter(assigned_articles(assigned_to))
    open_assignments = Prefetch(
        "assignments",
        Assignment.objects.filter(removed_at=None).select_related("reviewer").order_by("reviewer__username"),
        to_attr="open_assignments",
    )
    return articles.prefetch_related(open_assignments).order_by("-imported_at", "-id")


# --- Assignments ----------------------------------------------------------------------------------


def _count(rows: QuerySet):
    """How many `rows` there are, as a subquery (0 when none)."""
    counted = rows.order_by().values(group=Value(1)).annotate(count=Count("pk")).values("count")
    return Coalesce(Subquery(counted), 0)


def assigned_to(*, user) -> list[Assignment]:
    """The user's open assignments, soonest due first (undated last), each with its article and its
    progress: `sentence_count`, `covered_count` (sentences that a verdict the user may see
    touches), and the user's own live verdicts there `submitted_count` (waiting or approved) and
    `approved_count`. One query."""
    seen = visibility_filter(user)
    touching = Annotation.objects.filter(
        seen, article_id=OuterRef("article_id"), start__lt=OuterRef("end"), end__gt=OuterRef("start")
    )
    sentences = Sentence.objects.filter(article_id=OuterRef("article_id"))
    mine = Annotation.objects.filter(article_id=OuterRef("article_id"), author=user, deleted_at=None)
    return list(
        Assignment.objects.filter(reviewer=user, removed_at=None)
        .select_related("article", "assigned_by")
        .defer("article__body")
        .annotate(
            sentence_count=_count(sentences),
            covered_count=_count(sentences.filter(Exists(touching))),
            submitted_count=_count(mine.filter(state__in=[State.SUBMITTED, State.APPROVED])),
            approved_count=_count(mine.filter(state=State.APPROVED)),
        )
        .order_by(F("due").asc(nulls_last=True), "assigned_at", "id")
    )


def assigned_articles(reviewer) -> Q:
    """Articles with an open assignment to this user (or username; no such user: none)."""
    field = "reviewer__username" if isinstance(reviewer, str) else "reviewer"
    open_ones = Assignment.objects.filter(article=OuterRef("pk"), removed_at=None, **{field: reviewer})
    return Q(Exists(open_ones))


def article_assignments(*, article: Article) -> list[Assignment]:
    """An article's open assignments, by reviewer, with who assigned them."""
    rows = Assignment.objects.filter(article=article, removed_at=None).select_related("reviewer", "assigned_by")
    return list(rows.order_by("reviewer__username"))


# --- Verdicts as records (API, exports, public page) ---------------------------------------------

VERDICT_TIMES = {
    "created": IsoText("created_at"),
    "updated": IsoText("updated_at"),
    "reviewed": IsoText("reviewed_at"),
    "claim_day": Cast("claim_date", CharField()),
}


def verdict_rows(annotations: QuerySet[Annotation]) -> QuerySet[dict]:
    """The rows records.verdict() is made from."""
    return annotations.values(*records.VERDICT_FIELDS, **VERDICT_TIMES)


API_FILTERS = {
    "article": "article_id",
    "status": "status",
    "state": "state",
    "author": "author__username",
    "anchor": "anchor",
}


def visible_verdict_rows(
    *, viewer, article: int | None = None, status: str = "", state: str = "", author: str = "", anchor: str = ""
) -> "VerdictRows":
    """The verdict rows this viewer may see, with the API list's filters (empty ones do not filter),
    newest first; read as DRF's cursor pagination reads a queryset (see VerdictRows)."""
    given = {"article": article, "status": status, "state": state, "author": author, "anchor": anchor}
    filters = tuple((API_FILTERS[name], value) for name, value in given.items() if value not in (None, ""))
    return VerdictRows(viewer=viewer, filters=filters)


@dataclass(frozen=True, slots=True)
class VerdictRows:
    """`verdict_rows()` of the verdicts a viewer may see, as DRF's CursorPagination reads a queryset
    ordered by id: `order_by("-id")` or `order_by("id")`, `filter(id__lt=…)` or `filter(id__gt=…)`,
    then a slice, which runs one statement. The ORM writes that statement from visibility_filter's
    rule; it is compiled once per shape (kind of viewer, filters, order, bound, window) and run with
    each request's values (db.compile_values): compiling it cost more than running it."""

    viewer: object
    filters: tuple[tuple[str, object], ...] = ()
    ordering: str = "-id"
    bound: tuple[str, int] | None = None

    def order_by(self, *ordering: str) -> "VerdictRows":
        if ordering not in (("-id",), ("id",)):
            raise ValueError(f"Verdict rows are read in id order, not by {ordering}.")
        return replace(self, ordering=ordering[0])

    def filter(self, **bound) -> "VerdictRows":
        ((lookup, value),) = bound.items()
        return replace(self, bound=({"id__lt": "lt", "id__gt": "gt"}[lookup], int(value)))

    def __getitem__(self, window: slice) -> list[dict]:
        kind = _viewer_kind(self.viewer)
        shape = (kind, tuple(name for name, _ in self.filters), self.ordering, self.bound and self.bound[0])
        values = {"viewer": getattr(self.viewer, "pk", None), **dict(self.filters)}
        if self.bound:
            values["bound"] = self.bound[1]
        try:
            statement = _compiled_rows(*shape, window.start or 0, window.stop)
        except db.NotCompilable:
            return list(_rows_query(*shape, values)[window])
        return statement.rows(**values)


def _rows_query(kind: str, filters: tuple[str, ...], ordering: str, bound: str | None, values: dict) -> QuerySet:
    rows = Annotation.objects.filter(_visibility(kind, values["viewer"]), **{name: values[name] for name in filters})
    if bound:
        rows = rows.filter(**{f"id__{bound}": values["bound"]})
    return verdict_rows(rows.order_by(ordering))


@lru_cache(maxsize=256)
def _compiled_rows(kind: str, filters: tuple[str, ...], ordering: str, bound: str | None, start: int, stop: int):
    slots = {"viewer": int, "bound": int} | {name: int if name == "article_id" else str for name in filters}
    return db.compile_values(lambda values: _rows_query(kind, filters, ordering, bound, values)[start:stop], slots)


@lru_cache(maxsize=8)
def _compiled_record(kind: str):
    slots = {"viewer": int, "pk": int}
    return db.compile_values(
        lambda values: verdict_rows(Annotation.objects.filter(_visibility(kind, values["viewer"]), pk=values["pk"])),
        slots,
    )


def _links(annotations: QuerySet[AnnotationSource]) -> QuerySet:
    """Source links as records.LINK_FIELDS tuples, each verdict's in order."""
    return (
        annotations.annotate(published=Cast("source__published_at", CharField()))
        .order_by("annotation_id", "position", "id")
        .values_list(
            "annotation_id",
            "source__url",
            "source__title",
            "source__publisher",
            "published",
            "source__archive_url",
            "relation",
            "pinpoint",
        )
    )


def source_links_by_annotation(ids: list[int]) -> dict[int, list[tuple]]:
    """The source links of these verdicts as records.LINK_FIELDS tuples, each verdict's in order."""
    return _by_annotation(_links(AnnotationSource.objects.filter(IdsIn("annotation_id", ids))))


@cache
def _compiled_links_of_one():
    return db.compile_values(
        lambda values: _links(AnnotationSource.objects.filter(annotation_id=values["pk"])), {"pk": int}
    )


def source_archives_by_url(annotation_ids: list[int], *, with_text: bool = False) -> dict[str, tuple]:
    """The archive state of the sources these verdicts cite, as records.ARCHIVE_FIELDS tuples by
    source URL (unique), each with its latest snapshot's fields (None when it has none; the
    snapshot's text only `with_text`, else None too).

    One query, whatever the number of sources: the latest snapshot is joined by a correlated
    subquery on the (source, -taken_at) index, so a source's older snapshots are never read.
    """
    latest = SourceSnapshot.objects.filter(source_id=OuterRef("pk")).order_by("-taken_at", "-id").values("id")[:1]
    cited = AnnotationSource.objects.filter(IdsIn("annotation_id", annotation_ids)).values("source_id")
    # records.ARCHIVE_FIELDS, the snapshot's own fields read through the `latest` relation.
    own = {"url", "requested", "checked", "archived", "archive_error", "broken", "taken"}
    fields = [name if name in own else f"latest__{name}" for name in records.ARCHIVE_FIELDS[:-1]]
    sources = (
        Source.objects.filter(pk__in=cited)
        .order_by()
        .annotate(
            latest=FilteredRelation("snapshots", condition=Q(snapshots__id=Subquery(latest))),
            requested=IsoText("archive_requested_at"),
            checked=IsoText("archive_checked_at"),
            archived=IsoText("archived_at"),
            broken=IsoText("link_broken_since"),
            taken=IsoText("latest__taken_at"),
        )
        .values_list(*fields, *([f"latest__{records.ARCHIVE_FIELDS[-1]}"] if with_text else []))
    )
    return {row[0]: row if with_text else (*row, None) for row in fetch_tuples(sources)}


def events_by_annotation(ids: list[int]) -> dict[int, list[tuple]]:
    """The history of these verdicts as records.EVENT_FIELDS tuples, oldest first."""
    events = (
        AnnotationEvent.objects.filter(IdsIn("annotation_id", ids))
        .annotate(at_text=IsoText("at"))
        .order_by("annotation_id", "at", "id")
        .values_list(*records.EVENT_FIELDS)
    )
    return _by_annotation(events)


def _by_annotation(rows: QuerySet) -> dict[int, list[tuple]]:
    grouped: defaultdict[int, list[tuple]] = defaultdict(list)
    for row in fetch_tuples(rows):
        grouped[row[0]].append(row)
    return grouped


def verdict_records(rows: list[dict]) -> list[dict]:
    """The API's records of these verdict rows, in their order, with one query for their sources."""
    if not rows:
        return []
    links = source_links_by_annotation([row["id"] for row in rows])
    return [
        records.verdict(row, sources=[records.source_link(link) for link in links.get(row["id"], ())]) for row in rows
    ]


def verdict_record(*, viewer, pk: int) -> dict | None:
    """One verdict's record if this viewer may see it (its statement compiled once per kind of viewer)."""
    if not 0 < pk <= BIGINT_MAX:
        return None
    rows = _compiled_record(_viewer_kind(viewer)).rows(viewer=getattr(viewer, "pk", None), pk=pk)
    if not rows:
        return None
    links = _compiled_links_of_one().tuples(pk=pk)
    return records.verdict(rows[0], sources=[records.source_link(link) for link in links])


def event_records(*, annotation: Annotation) -> list[dict]:
    """A verdict's history as the API shows it, oldest first."""
    events = (
        annotation.events.annotate(at_text=IsoText("at"))
        .order_by("at", "id")
        .values_list(*records.EVENT_FIELDS, "changes")
    )
    return [records.event(row[:-1], changes=row[-1]) for row in events]


# --- The reader page -----------------------------------------------------------------------------

CARDS_PER_PAGE = 25


@dataclass(slots=True)
class CardWindow:
    cards: list[Annotation]
    total: int
    next_offset: int | None


@dataclass(slots=True)
class ReaderPage:
    """Everything the article page and its partials show, read with a fixed number of queries."""

    article: Article
    annotations: list[Annotation]
    window: CardWindow
    paragraphs: list[reader.Paragraph]
    counts: list[dict]
    state_counts: list[dict]
    review_complete: bool
    # Approved verdicts: what the public page shows (every logged-in viewer sees all of them).
    published: int


def reader_page(
    *, article: Article, viewer, only: set[int] | None = None, offset: int = 0, upto: int | None = None
) -> ReaderPage:
    """The article page as this viewer may see it.

    `only` limits the paragraphs to those indexes (after a save only they are swapped in); the
    cards run from `offset`, on to the page holding verdict `upto`, each with the actions this
    viewer may take on it (roles.annotation_actions)."""
    annotations = _article_verdicts(article=article, viewer=viewer)
    sentences = Sentence.objects.filter(article=article).order_by("index")
    if only is not None:
        sentences = sentences.filter(paragraph__in=only)
    return ReaderPage(
        article=article,
        annotations=annotations,
        window=card_window(annotations, viewer=viewer, offset=offset, upto=upto),
        paragraphs=reader.layout(article.body, sentences, annotations),
        counts=_counts(annotations, "status", Status),
        state_counts=_counts(annotations, "state", State),
        review_complete=bool(annotations) and all(a.state == State.APPROVED for a in annotations),
        published=sum(a.state == State.APPROVED for a in annotations),
    )


def _article_verdicts(*, article: Article, viewer) -> list[Annotation]:
    """The verdicts of an article this viewer may see on its current version (orphans point into
    an earlier body: they wait in the orphan queue), in text order, with their people (1 query)."""
    annotations = list(
        visible_annotations(viewer=viewer)
        .filter(article=article, article_version=article.version)
        .select_related("author", "reviewed_by")
        .order_by("start", "-end", "id")
    )
    for annotation in annotations:
        annotation.article = article
    return annotations


def _with_links(annotations: QuerySet[Annotation]) -> QuerySet[Annotation]:
    links = AnnotationSource.objects.select_related("source").order_by("position", "id")
    return annotations.select_related("author", "reviewed_by").prefetch_related(
        Prefetch("source_links", queryset=links)
    )


def card_window(annotations: list[Annotation], *, viewer, offset: int = 0, upto: int | None = None) -> CardWindow:
    """A page of verdict cards in text order from `offset`, with their sources (1 query) and the
    actions the viewer may take. With `upto` (a verdict id) it runs on to the page holding that card."""
    end = offset + CARDS_PER_PAGE
    if upto is not None:
        position = next((i for i, a in enumerate(annotations) if a.pk == upto), None)
        if position is not None and position >= end:
            end = (position // CARDS_PER_PAGE + 1) * CARDS_PER_PAGE
    cards = annotations[offset:end]
    links = AnnotationSource.objects.select_related("source").order_by("position", "id")
    prefetch_related_objects(cards, Prefetch("source_links", queryset=links))
    with_actions(cards, viewer=viewer)
    return CardWindow(cards=cards, total=len(annotations), next_offset=end if end < len(annotations) else None)


def with_actions(annotations: list[Annotation], *, viewer) -> list[Annotation]:
    """Set `.actions` on each verdict: what this viewer may do to it (roles.annotation_actions), and
    `.can_discuss` with `.discussion`, the number of items in the discussions they may read.

    For an editor, one query reads who changed the submitted ones since submission (four eyes);
    one more counts the discussions (discussion_counts)."""
    history: defaultdict[int, list[tuple]] = defaultdict(list)
    submitted = [a.pk for a in annotations if a.state == State.SUBMITTED]
    if submitted and roles.user_is_editor(viewer):
        events = AnnotationEvent.objects.filter(annotation_id__in=submitted).order_by("annotation_id", "at", "id")
        for annotation_id, *event in events.values_list("annotation_id", "action", "actor_id", "changes"):
            history[annotation_id].append(tuple(event))
    approve = workflow.TRANSITIONS[Action.APPROVE]
    for annotation in annotations:
        changed_by = roles.contributors(history.get(annotation.pk, ()))
        annotation.actions = roles.annotation_actions(viewer, annotation, contributors=changed_by)
        annotation.can_discuss = roles.can_discuss(viewer, annotation)
        # Why an editor may not review it (their own, or changed by them since it was submitted).
        annotation.review_refusal = (
            roles.transition_refusal(viewer, annotation, approve, contributors=changed_by)
            if annotation.state == State.SUBMITTED and roles.user_is_editor(viewer)
            else None
        )
    counts = discussion_counts([annotation.pk for annotation in annotations if annotation.can_discuss])
    for annotation in annotations:
        annotation.discussion = counts.get(annotation.pk, 0)
    return annotations


def _counts(annotations: list[Annotation], attribute: str, choices) -> list[dict]:
    counts = dict.fromkeys(choices, 0)
    for annotation in annotations:
        counts[choices(getattr(annotation, attribute))] += 1
    return [{"value": choice.value, "label": choice.label, "count": count} for choice, count in counts.items()]


def deleted_annotations(*, article: Article, viewer) -> list[Annotation]:
    return list(
        visible_annotations(viewer=viewer, deleted=True)
        .filter(article=article)
        .select_related("author", "deleted_by")
        .order_by("-deleted_at")
    )


def span_sentences(article: Article, start: int, end: int) -> list[tuple[int, int, int]]:
    """(index, start, end) of the sentences that overlap [start, end), in text order (one query)."""
    overlapping = Sentence.objects.filter(article=article, start__lt=end, end__gt=start).order_by("index")
    return list(overlapping.values_list("index", "start", "end"))


def paragraph_indexes_for(article: Article, *annotations: Annotation) -> set[int]:
    """The paragraphs these verdicts touch (one query)."""
    query = Q()
    for annotation in annotations:
        query |= Q(start__lt=annotation.end, end__gt=annotation.start)
    if not annotations:
        return set()
    return set(Sentence.objects.filter(query, article=article).values_list("paragraph", flat=True))


# --- Queue, my verdicts, history, suggestions ----------------------------------------------------


def review_queue(*, viewer, article_id: int | None = None, status: str = "", author_id: int | None = None):
    """Submitted verdicts across all articles, oldest submission first, with sources."""
    queue = _with_links(
        visible_annotations(viewer=viewer).filter(anchored(), state=State.SUBMITTED).select_related("article")
    )
    if article_id:
        queue = queue.filter(article_id=article_id)
    if status in Status.values:
        queue = queue.filter(status=status)
    if author_id:
        queue = queue.filter(author_id=author_id)
    return queue.order_by("submitted_at", "id")


def queue_item(*, viewer, pk: int) -> Annotation | None:
    """One verdict as the queue shows it (after a refused review action), with its actions."""
    item = _with_links(visible_annotations(viewer=viewer).select_related("article")).filter(pk=pk).first()
    if item is not None:
        with_actions(with_sentence_context([item]), viewer=viewer)
    return item


def waiting_count(*, viewer) -> int:
    return visible_annotations(viewer=viewer).filter(anchored(), state=State.SUBMITTED).count()


# --- Versions and orphans ------------------------------------------------------------------------


def anchored(prefix: str = "") -> Q:
    """Verdicts on their article's current version; the others are orphans (their span points into
    an earlier version), also one created on a body that a correction replaced meanwhile."""
    return Q((f"{prefix}article_version", F(f"{prefix}article__version")))


def orphan_queue(*, viewer, article_id: int | None = None) -> list[Annotation]:
    """Orphans waiting for a reviewer: an editor sees every one they may see, a reviewer their own;
    oldest correction first, each with the old body's sentence around its quote (`context_before`,
    `context_after`), the article's current body for re-selection, and what the viewer may do."""
    orphans = (
        visible_annotations(viewer=viewer)
        .exclude(anchored())
        .select_related("article", "author")
        .order_by("article__corrected_at", "article_id", "start", "id")
    )
    if not roles.user_is_editor(viewer):
        orphans = orphans.filter(author_id=viewer.pk)
    if article_id:
        orphans = orphans.filter(article_id=article_id)
    orphans = list(orphans)
    wanted = {(o.article_id, o.article_version) for o in orphans}
    bodies = {
        (article_id, number): body
        for article_id, number, body in ArticleVersion.objects.filter(
            article_id__in={article_id for article_id, _ in wanted}
        ).values_list("article_id", "number", "body")
        if (article_id, number) in wanted
    }
    for orphan in orphans:
        body = bodies.get((orphan.article_id, orphan.article_version), "")
        line_start = body.rfind("\n", 0, orphan.start) + 1
        line_end = body.find("\n", orphan.end)
        orphan.context_before = body[line_start : orphan.start]
        orphan.context_after = body[orphan.end : len(body) if line_end < 0 else line_end]
        orphan.may_resolve = roles.can_resolve_orphan(viewer, orphan)
    return orphans


def orphan_count(*, viewer, article: Article | None = None) -> int:
    """How many orphans the orphan queue shows this viewer (of one article, or all)."""
    if not roles.may_see_orphans(viewer):
        return 0
    orphans = visible_annotations(viewer=viewer).exclude(anchored())
    if article is not None:
        orphans = orphans.filter(article=article)
    if not roles.user_is_editor(viewer):
        orphans = orphans.filter(author_id=viewer.pk)
    return orphans.count()


@dataclass(frozen=True, slots=True)
class VersionRow:
    number: int
    created_at: datetime
    created_by: str | None
    body_sha256: str
    length: int
    current: bool


def article_versions(*, article: Article) -> list[VersionRow]:
    """An article's versions, oldest first: the kept earlier bodies and the current one (1 query)."""
    rows = [
        VersionRow(number, created_at, username, digest, length or 0, False)
        for number, created_at, username, digest, length in ArticleVersion.objects.filter(article=article)
        .annotate(length=Length("body"))
        .order_by("number")
        .values_list("number", "created_at", "created_by__username", "body_sha256", "length")
    ]
    creator = article.corrected_by if article.version > 1 else article.imported_by
    rows.append(
        VersionRow(
            article.version,
            article.corrected_at or article.imported_at,
            creator.get_username() if creator else None,
            article.body_sha256,
            len(article.body),
            True,
        )
    )
    return rows


def version_report(*, report, viewer) -> dict:
    """The report of a new version (records.version_report) with the verdicts this viewer may see
    (one query): counts and list alike, so the counts are those of the events they can read."""
    ids = [item.annotation_id for item in report.items]
    seen = set(visible_annotations(viewer=viewer).filter(IdsIn("id", ids)).values_list("id", flat=True))
    return records.version_report(
        version=report.version, items=[item for item in report.items if item.annotation_id in seen]
    )


def version_body(*, article: Article, number: int) -> str | None:
    """The body of one version of an article (the current one is the article's), or None."""
    if number == article.version:
        return article.body
    return ArticleVersion.objects.filter(article=article, number=number).values_list("body", flat=True).first()


def with_sentence_context(annotations: list[Annotation]) -> list[Annotation]:
    """Set `context_before`/`context_after`: the rest of the sentences around each quote (one query)."""
    article_ids = {a.article_id for a in annotations}
    spans: dict[int, list[tuple[int, int]]] = {}
    for article_id, start, end in Sentence.objects.filter(article_id__in=article_ids).values_list(
        "article_id", "start", "end"
    ):
        spans.setdefault(article_id, []).append((start, end))
    for annotation in annotations:
        around = [
            (s, e) for s, e in spans.get(annotation.article_id, []) if s < annotation.end and e > annotation.start
        ]
        first = min((s for s, _ in around), default=annotation.start)
        last = max((e for _, e in around), default=annotation.end)
        body = annotation.article.body
        annotation.context_before = body[first : annotation.start]
        annotation.context_after = body[annotation.end : last]
    return annotations


def my_annotations(*, user) -> dict[str, list[Annotation]]:
    """A reviewer's live verdicts grouped by state, most recently changed first, each with the actions
    the reviewer may take on it (with_actions)."""
    groups: dict[str, list[Annotation]] = {state.value: [] for state in State}
    mine = _with_links(
        visible_annotations(viewer=user).filter(author=user).select_related("article").defer("article__body")
    ).order_by("-updated_at", "-id")
    for annotation in with_actions(list(mine), viewer=user):  # Submit and Resubmit on /mine/
        groups[annotation.state].append(annotation)
    return groups


def annotation_history(*, annotation: Annotation) -> list[AnnotationEvent]:
    return list(annotation.events.select_related("actor").order_by("at", "id"))


# --- A verdict's discussion ----------------------------------------------------------------------

# The review moves whose comment belongs to the conversation (submitting takes no comment).
REVIEW_ACTIONS = (Action.APPROVE, Action.REQUEST_CHANGES, Action.REOPEN)
_REVIEW_COMMENT = Q(action__in=REVIEW_ACTIONS) & ~Q(comment="")


@dataclass(slots=True)
class ThreadItem:
    """One item of a verdict's discussion: a comment, or a review move's comment (`kind` "review",
    `action` the move). A deleted comment has no body and no mentions, only who deleted it."""

    kind: str
    id: int
    author: str
    body: str
    created_at: datetime
    edited_at: datetime | None = None
    deleted_at: datetime | None = None
    deleted_by: str | None = None
    mentions: list[str] | None = None
    action: str = ""
    action_label: str = ""
    can_edit: bool = False
    can_delete: bool = False


def annotation_thread(*, annotation: Annotation, viewer) -> list[ThreadItem]:
    """A verdict's discussion, oldest first: its comments and the comments of its review moves
    (approve, return, reopen) in one list, so the conversation reads in one place; each comment
    with what this viewer may do to it (roles.comment_*_refusal). Three queries, whatever its
    length. The caller has checked that the viewer may discuss the verdict (roles.can_discuss)."""
    people = get_user_model().objects.only("id", "username").order_by("username")
    comments = (
        Comment.objects.filter(annotation_id=annotation.pk)
        .select_related("author", "deleted_by")
        .prefetch_related(Prefetch("mentions", queryset=people))
        .order_by("created_at", "id")
    )
    reviews = (
        AnnotationEvent.objects.filter(_REVIEW_COMMENT, annotation_id=annotation.pk)
        .select_related("actor")
        .order_by("at", "id")
    )
    now = timezone.now()
    items = [
        ThreadItem(
            kind="review",
            id=event.pk,
            author=event.actor.get_username(),
            body=event.comment,
            created_at=event.at,
            mentions=[],
            action=event.action,
            action_label=event.get_action_display(),
        )
        for event in reviews
    ]
    items += [comment_item(comment, viewer=viewer, now=now) for comment in comments]
    # A review and a comment at the same instant: the review first (it is what a reply answers).
    return sorted(items, key=lambda item: (item.created_at, item.kind != "review", item.id))


def comment_item(comment: Comment, *, viewer, now: datetime | None = None) -> ThreadItem:
    """One comment as its discussion lists it, with what this viewer may do to it (its author,
    deleted_by and mentions read from the row, or loaded on first use)."""
    gone = comment.is_deleted
    return ThreadItem(
        kind="comment",
        id=comment.pk,
        author=comment.author.get_username(),
        body="" if gone else comment.body,
        created_at=comment.created_at,
        edited_at=comment.edited_at,
        deleted_at=comment.deleted_at,
        deleted_by=comment.deleted_by.get_username() if gone else None,
        mentions=[] if gone else sorted(user.get_username() for user in comment.mentions.all()),
        can_edit=roles.comment_edit_refusal(viewer, comment, now=now) is None,
        can_delete=roles.comment_delete_refusal(viewer, comment) is None,
    )


def discussion_counts(ids: list[int]) -> dict[int, int]:
    """How many items each of these verdicts' discussions holds (comments, deleted ones too, and
    review comments), as annotation_thread lists them: one query, none for no ids."""
    if not ids:
        return {}
    comments = Comment.objects.filter(annotation_id=OuterRef("pk")).order_by().values("annotation_id")
    reviews = AnnotationEvent.objects.filter(_REVIEW_COMMENT, annotation_id=OuterRef("pk"))
    reviews = reviews.order_by().values("annotation_id")
    counted = (
        Annotation.objects.filter(pk__in=ids)
        .order_by()
        .annotate(
            comment_count=Coalesce(Subquery(comments.annotate(n=Count("id")).values("n")), 0),
            review_count=Coalesce(Subquery(reviews.annotate(n=Count("id")).values("n")), 0),
        )
    )
    rows = counted.values_list("pk", "comment_count", "review_count")
    return {pk: comments + reviews for pk, comments, reviews in rows}


def comment_for(*, viewer, pk: int) -> Comment | None:
    """A comment with its verdict (and the verdict's article) if this viewer may see the verdict
    (visibility_filter); whether they may discuss it is roles.can_discuss's question."""
    if not 0 < pk <= BIGINT_MAX:
        return None
    visible = visibility_filter(viewer, prefix="annotation__")
    return Comment.objects.filter(visible, pk=pk).select_related("annotation__article", "annotation__author").first()


# --- Claims: the same statement checked in more than one place ----------------------------------


def claim_for(*, viewer, pk: int) -> Claim | None:
    """A claim with its creator if this viewer may see one of its appearances (visibility_filter),
    else None: a claim of drafts the viewer may not see does not exist for them."""
    if not 0 < pk <= BIGINT_MAX:
        return None
    seen = Annotation.objects.filter(visibility_filter(viewer), claim=OuterRef("pk"))
    return Claim.objects.filter(Exists(seen), pk=pk).select_related("created_by").first()


def claim_appearances(*, viewer, claim: Claim) -> list[Annotation]:
    """The claim's verdicts this viewer may see, oldest check first, each with its article (without
    its body) and author, and `can_unlink` (roles.can_edit_annotation, the rule claim_remove
    applies). One query, whatever their number."""
    appearances = list(
        visible_annotations(viewer=viewer)
        .filter(claim=claim)
        .select_related("article", "author")
        .defer("article__body")
        .order_by("created_at", "id")
    )
    for annotation in appearances:
        annotation.can_unlink = roles.can_edit_annotation(viewer, annotation)
    return appearances


# --- What the public sees: the fact-check index, feed and sitemap -----------------------------------


def published_articles() -> QuerySet[Article]:
    """The articles with at least one published verdict (visibility_filter(published=True)), each with
    `published_count` and `last_approved` (its published verdicts' latest approval), newest first."""
    published = visibility_filter(None, published=True, prefix="annotations__")
    return (
        Article.objects.defer("body")
        .annotate(
            published_count=Count("annotations", filter=published),
            last_approved=Max("annotations__reviewed_at", filter=published),
        )
        .filter(published_count__gt=0)
        .order_by("-last_approved", "-id")
    )


def published_verdicts(*, limit: int) -> list[Annotation]:
    """The latest published verdicts (visibility_filter(published=True)) with their article, most
    recently approved first."""
    rows = Annotation.objects.filter(visibility_filter(None, published=True)).select_related("article")
    return list(rows.defer("article__body").order_by("-reviewed_at", "-id")[:limit])


APPEARANCE_ARTICLE_FIELDS = ("id", "title", "url", "publisher", "published_at")


def published_appearances(claim_ids: list[int], *, viewer) -> dict[int, list[dict]]:
    """For ClaimReview: each claim's articles with a published appearance (an approved verdict,
    visibility_filter(published=True)), each article once, in the order of its first check. One query."""
    rows = (
        Annotation.objects.filter(visibility_filter(viewer, published=True), IdsIn("claim_id", claim_ids))
        .order_by("claim_id", "created_at", "id")
        .values_list("claim_id", *(f"article__{name}" for name in APPEARANCE_ARTICLE_FIELDS))
    )
    found: defaultdict[int, list[dict]] = defaultdict(list)
    for claim_id, *article in rows:
        if all(seen["id"] != article[0] for seen in found[claim_id]):
            found[claim_id].append(dict(zip(APPEARANCE_ARTICLE_FIELDS, article, strict=True)))
    return found


def claimant_suggestions(*, viewer, limit: int = 30) -> list[str]:
    """Claimants named before in verdicts the viewer may see, most used first, for the form's suggestions."""
    rows = (
        visible_annotations(viewer=viewer)
        .exclude(claimant="")
        .values("claimant")
        .annotate(uses=Count("id"))
        .order_by("-uses", "claimant")[:limit]
    )
    return [row["claimant"] for row in rows]


def visible_imports(*, viewer) -> QuerySet[ArticleImport]:
    """Background imports: an editor sees every one; anyone else, their own."""
    imports = ArticleImport.objects.defer("items").select_related("created_by")
    if roles.user_is_editor(viewer):
        return imports
    return imports.filter(created_by_id=viewer.pk) if viewer.is_authenticated else imports.none()


# --- Log-in locks ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoginLock:
    """A lock django-axes holds now: one account at one address, or (`username` None) every account
    at an address. `accounts`: the usernames tried; `known`: whether an account has this username
    (a lock on a name nobody has is someone guessing). `lifts_at`: when it ends by itself at the
    latest, if no one tries again (None: only when someone lifts it)."""

    address: str
    username: str | None
    failures: int
    accounts: int
    known: bool
    last_failure: datetime
    lifts_at: datetime | None


def login_locks() -> list[LoginLock]:
    """Every lock in force, most recent failure first, in at most three queries whatever their number.

    The counts are the ones `logins.LoginFailures` compares: failures since the cool-off began,
    an account at an address locked at AXES_FAILURE_LIMIT, an address (whatever the usernames) at
    FACTCHECK_LOGIN_FAILURE_LIMIT_PER_ADDRESS. An account's lock at a locked address is not listed
    on its own: lifting it would not let them in. Attempts without an address or a username lock
    no one the page can name, and are left to the admin.
    """
    wait = logins.lockout_wait()
    attempts = AccessAttempt.objects.exclude(ip_address=None)
    if wait is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - wait)
    totals = {"failures": Sum("failures_since_start"), "last_failure": Max("attempt_time")}
    addresses = list(
        attempts.values("ip_address")
        .annotate(**totals, accounts=Count("username", distinct=True))
        .filter(failures__gte=settings.FACTCHECK_LOGIN_FAILURE_LIMIT_PER_ADDRESS)
        .order_by()
    )
    accounts = list(
        attempts.exclude(Q(username=None) | Q(username=""))
        .exclude(ip_address__in=[row["ip_address"] for row in addresses])
        .values("ip_address", "username")
        .annotate(**totals)
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by()
    )
    names = {row["username"] for row in accounts}
    User = get_user_model()
    known = set(
        User.objects.filter(**{f"{User.USERNAME_FIELD}__in": names}).values_list(User.USERNAME_FIELD, flat=True)
    )
    locks = [
        LoginLock(
            address=row["ip_address"],
            username=row.get("username"),
            failures=row["failures"],
            accounts=row.get("accounts", 1),
            known=row.get("username") in known,
            last_failure=row["last_failure"],
            lifts_at=row["last_failure"] + wait if wait is not None else None,
        )
        for row in addresses + accounts
    ]
    locks.sort(key=lambda lock: (lock.address, lock.username or ""))
    locks.sort(key=lambda lock: lock.last_failure, reverse=True)
    return locks


# --- The desk dashboard (editors) -------------------------------------------------------------------

DASHBOARD_DAYS = 30


@dataclass(frozen=True)
class DeskFigures:
    """What /desk/ shows and its CSV files hold, each figure counted by the database."""

    today: date
    backlog: list[dict]  # {state, status, count}, live verdicts
    approved_per_day: list[dict]  # {day, count}, the last DASHBOARD_DAYS days, zeros included
    decisions: int  # approvals and returns in those days
    returned: int
    median_hours: float | None  # from submission to decision
    p90_hours: float | None
    reviewers: list[dict]  # {username, drafts, waiting, approved, returned, assigned_open, assigned_overdue}

    @property
    def returned_rate(self) -> float | None:
        return self.returned / self.decisions if self.decisions else None


def _hours(duration) -> float | None:
    return None if duration is None else round(duration.total_seconds() / 3600, 1)


DECISIONS = workflow.DECISIONS


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def _day_number(bounds: list[datetime], first: int, last: int):
    """Which of the days [first, last) a time in them falls in, as a balanced tree of comparisons
    with the days' starts (`bounds`): a handful per row instead of one per day, and no date
    conversion per row (SQLite's is a Python function)."""
    if last - first == 1:
        return Value(first)
    middle = (first + last) // 2
    return Case(
        When(at__lt=bounds[middle], then=_day_number(bounds, first, middle)),
        default=_day_number(bounds, middle, last),
        output_field=IntegerField(),
    )


def decisions_in(*, start: datetime, end: datetime) -> QuerySet:
    """Approvals and returns made in [start, end), as rows of `action`, `at` and `submitted_at`: the
    submission each answers, as recorded when it was made (workflow.answered_submission; None if
    there was none). db.wait_figures counts and ranks them."""
    return (
        AnnotationEvent.objects.filter(action__in=DECISIONS, at__gte=start, at__lt=end)
        .order_by()
        .values("action", "at", submitted_at=F("answers_submission_at"))
    )


def desk_dashboard(*, today: date | None = None) -> DeskFigures:
    """The desk's work in figures, for editors: the backlog by state and status; approvals per day
    over the last DASHBOARD_DAYS days; how long decisions (approve, return) waited after the
    submission before them, median and 90th percentile (nearest rank); the returned share; and
    each desk member's verdicts by state and open / overdue assignments. Aggregates in the
    database: five queries whatever the data (the backlog and the members' verdicts are one count
    by author, state and status, added up here)."""
    today = today or timezone.localdate()
    first_day = today - timedelta(days=DASHBOARD_DAYS - 1)
    bounds = [_midnight(first_day + timedelta(days=n)) for n in range(DASHBOARD_DAYS + 1)]
    counted = (
        Annotation.objects.filter(deleted_at=None)
        .values_list("author_id", "state", "status")
        .annotate(count=Count("*"))
        .order_by()
    )
    backlog_counts: dict[tuple[str, str], int] = defaultdict(int)
    by_author: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(State, 0))
    for author, state, status, count in counted:
        backlog_counts[state, status] += count
        by_author[author][state] += count
    backlog = [
        {"state": state, "status": status, "count": count} for (state, status), count in sorted(backlog_counts.items())
    ]
    approvals = (
        AnnotationEvent.objects.filter(action=Action.APPROVE, at__gte=bounds[0], at__lt=bounds[-1])
        .annotate(day=_day_number(bounds, 0, DASHBOARD_DAYS))
        .values_list("day")
        .annotate(count=Count("*"))
        .order_by()
    )
    by_day = dict(approvals)
    approved_per_day = [
        {"day": first_day + timedelta(days=n), "count": by_day.get(n, 0)} for n in range(DASHBOARD_DAYS)
    ]
    waits = db.wait_figures(
        decisions_in(start=bounds[0], end=bounds[-1]), returned_action=Action.REQUEST_CHANGES, percents=(50, 90)
    )
    members = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Exists(
                get_user_model().groups.through.objects.filter(
                    user_id=OuterRef("pk"), group__name__in=roles.ROLE_GROUPS
                )
            )
        )
        .order_by("username")
        .values_list("pk", "username")
    )
    assigned = {
        reviewer: (open_count, overdue)
        for reviewer, open_count, overdue in Assignment.objects.filter(removed_at=None)
        .values_list("reviewer_id")
        .annotate(open_count=Count("id"), overdue=Count("id", filter=Q(due__lt=today)))
        .order_by()
    }
    reviewers = []
    for pk, username in members:
        states, (open_count, overdue) = by_author.get(pk, dict.fromkeys(State, 0)), assigned.get(pk, (0, 0))
        reviewers.append(
            {
                "username": username,
                "drafts": states[State.DRAFT],
                "waiting": states[State.SUBMITTED],
                "approved": states[State.APPROVED],
                "returned": states[State.CHANGES_REQUESTED],
                "assigned_open": open_count,
                "assigned_overdue": overdue,
            }
        )
    return DeskFigures(
        today=today,
        backlog=backlog,
        approved_per_day=approved_per_day,
        decisions=waits.decisions,
        returned=waits.returned,
        median_hours=_hours(waits.percentiles[50]),
        p90_hours=_hours(waits.percentiles[90]),
        reviewers=reviewers,
    )


# --- Notifications ---------------------------------------------------------------------------------


def unread_notification_count(*, user) -> int:
    """The header's count: one query on the `notification_unread` partial index."""
    return Notification.objects.filter(recipient=user, read_at=None).count()


def notifications_of(*, user, unread: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first, with what records.notification_record reads (no
    query per row); only their own, whoever asks."""
    rows = Notification.objects.filter(recipient=user)
    if unread:
        rows = rows.filter(read_at=None)
    return (
        rows.select_related("actor", "article", "annotation", "comment", "assignment")
        .only(
            *("id", "kind", "message", "created_at", "read_at", "recipient_id", "email"),
            *("actor__id", "actor__username", "article__id", "article__title"),
            *("annotation__id", "annotation__quote", "annotation__article_id"),
            *("comment__id", "comment__body", "comment__deleted_at"),
            *("assignment__id", "assignment__note", "assignment__due"),
        )
        .order_by("-created_at", "-id")
    )


def verdicts_by_state() -> dict[str, int]:
    """Live (not deleted) verdicts per review state, every state named, in one aggregate query: the
    whole desk's figures for /metrics, not a viewer's, so no visibility rule applies."""
    counts = dict(Annotation.objects.filter(deleted_at=None).order_by().values_list("state").annotate(n=Count("id")))
    return {state: counts.get(state, 0) for state in State.values}
