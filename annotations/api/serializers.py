"""API representations. Serializers only parse and present; every rule runs in services.py."""

from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import BinaryField, DateTimeField, Func, QuerySet
from django.db.models.expressions import RawSQL
from drf_spectacular.utils import extend_schema_field
import orjson
from rest_framework import serializers

from .. import selectors, services
from ..exporters.common import ROW_FIELDS, SQLITE_ISO_TEXT, ids_in_sql, ids_parameter
from ..models import Annotation, AnnotationEvent, AnnotationSource, Article, Relation, Source, Status


class SentenceSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    text = serializers.CharField()


class ArticleSerializer(serializers.ModelSerializer):
    sentence_count = serializers.IntegerField(read_only=True)
    url = serializers.CharField(read_only=True, help_text="The article's source URL, or empty.")
    imported_by = serializers.CharField(source="imported_by.username", read_only=True, allow_null=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "url",
            "publisher",
            "published_at",
            "language",
            "body_sha256",
            "imported_by",
            "imported_at",
            "sentence_count",
        ]
        read_only_fields = fields


class ArticleDetailSerializer(ArticleSerializer):
    sentences = serializers.SerializerMethodField()

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "body", "sentences"]
        read_only_fields = fields

    @extend_schema_field(SentenceSerializer(many=True))
    def get_sentences(self, article) -> list[dict]:
        body = article.body
        return [
            {"index": s.index, "start": s.start, "end": s.end, "text": body[s.start : s.end]}
            for s in article.sentences.all()
        ]


class ArticleCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    body = serializers.CharField(trim_whitespace=False, max_length=2_000_000)
    url = serializers.URLField(max_length=2000, required=False, allow_blank=True, default="")
    publisher = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    published_at = serializers.DateField(required=False, allow_null=True, default=None)
    language = serializers.CharField(max_length=16, required=False, default="en")


class SourceSerializer(serializers.ModelSerializer):
    # Plain strings: services.source_get_or_create normalises and checks them, and reuses an existing URL.
    url = serializers.CharField(max_length=2000)
    title = serializers.CharField(max_length=500, required=False, allow_blank=True)
    archive_url = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    class Meta:
        model = Source
        fields = ["id", "url", "title", "publisher", "published_at", "archive_url"]


class SourceLinkSerializer(serializers.Serializer):
    """A source as linked to a verdict: the document and how it bears on the verdict."""

    url = serializers.CharField(max_length=2000)
    title = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    publisher = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    published_at = serializers.DateField(required=False, allow_null=True, default=None)
    archive_url = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    relation = serializers.ChoiceField(choices=Relation.choices)
    pinpoint = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


_DATETIME = serializers.DateTimeField()  # one formatter for every row, not one per annotation


class ReviewSerializer(serializers.Serializer):
    editor = serializers.CharField()
    decided_at = serializers.DateTimeField()
    comment = serializers.CharField()


class AnnotationSerializer(serializers.ModelSerializer):
    """A verdict as the API shows it. The declared fields document the shape (OpenAPI);
    `to_representation` builds the same dict directly, which costs a fraction of DRF's
    per-instance field machinery on every write."""

    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    review = serializers.SerializerMethodField()
    sources = serializers.SerializerMethodField()

    class Meta:
        model = Annotation
        fields = [
            "id",
            "article",
            "start",
            "end",
            "quote",
            "prefix",
            "suffix",
            "status",
            "claimant",
            "denied_by",
            "note",
            "state",
            "version",
            "author",
            "created_at",
            "updated_at",
            "review",
            "sources",
        ]
        read_only_fields = fields

    def to_representation(self, annotation: Annotation) -> dict:
        return {
            "id": annotation.pk,
            "article": annotation.article_id,
            "start": annotation.start,
            "end": annotation.end,
            "quote": annotation.quote,
            "prefix": annotation.prefix,
            "suffix": annotation.suffix,
            "status": annotation.status,
            "claimant": annotation.claimant,
            "denied_by": annotation.denied_by,
            "note": annotation.note,
            "state": annotation.state,
            "version": annotation.version,
            "author": annotation.author.get_username(),
            "created_at": _DATETIME.to_representation(annotation.created_at),
            "updated_at": _DATETIME.to_representation(annotation.updated_at),
            "review": self.get_review(annotation),
            "sources": self.get_sources(annotation),
        }

    @extend_schema_field(ReviewSerializer(allow_null=True))
    def get_review(self, annotation) -> dict | None:
        if not annotation.reviewed_by_id:
            return None
        return {
            "editor": annotation.reviewed_by.get_username(),
            "decided_at": _DATETIME.to_representation(annotation.reviewed_at),
            "comment": annotation.review_comment,
        }

    @extend_schema_field(SourceLinkSerializer(many=True))
    def get_sources(self, annotation) -> list[dict]:
        # Just after a write the view passes the links it stored, saving a query.
        links = self.context.get("links")
        if links is None:
            links = annotation.source_links.all()
        return [
            {
                "url": link.source.url,
                "title": link.source.title,
                "publisher": link.source.publisher,
                "published_at": link.source.published_at.isoformat() if link.source.published_at else None,
                "archive_url": link.source.archive_url,
                "relation": link.relation,
                "pinpoint": link.pinpoint.strip(),
            }
            for link in links
        ]


class AnnotationWriteSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    claimant = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    denied_by = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="", trim_whitespace=False)
    sources = SourceLinkSerializer(many=True, required=False, default=list, max_length=services.MAX_SOURCES_PER_VERDICT)


class ArticleField(serializers.PrimaryKeyRelatedField):
    """An article by id, with DRF's errors, read by selectors.article_by_id."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Article.objects.all(), **kwargs)

    def to_internal_value(self, data) -> Article:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            pk = int(data)
        except ValueError:
            self.fail("incorrect_type", data_type=type(data).__name__)
        article = selectors.article_by_id(pk)
        if article is None:
            self.fail("does_not_exist", pk_value=data)
        return article


class AnnotationCreateSerializer(AnnotationWriteSerializer):
    article = ArticleField()
    start = serializers.IntegerField(min_value=0, max_value=2**31 - 1)
    end = serializers.IntegerField(min_value=0, max_value=2**31 - 1)
    quote = serializers.CharField(trim_whitespace=False, max_length=2_000_000)


class AnnotationUpdateSerializer(AnnotationWriteSerializer):
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class ApproveSerializer(VersionSerializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class CommentSerializer(VersionSerializer):
    comment = serializers.CharField(max_length=5000)


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = AnnotationEvent
        fields = ["action", "actor", "at", "from_state", "to_state", "from_status", "to_status", "comment", "changes"]
        read_only_fields = fields


# The list reads its page as plain rows, not model instances, and gives what AnnotationSerializer
# gives for each (tests/test_api.py checks both databases). On SQLite the database writes each
# annotation's JSON: SQLite runs inside this process and does it in C, so Python never handles the
# fields, and the renderer copies the bytes in (orjson.Fragment). PostgreSQL is slower at building
# JSON than Python is (its json(b)_build_object costs more server time than it saves here), so
# there the rows are tuples turned into dicts.


class UtcTime(Func):
    """A timestamp as PostgreSQL's UTC wall-clock `timestamp` (no time zone): psycopg reads it in C,
    while Django's loader for `timestamptz` runs in Python for each value, and PostgreSQL writes it
    at half the cost of to_char(). The renderer writes it as DRF does (OPT_NAIVE_UTC, OPT_UTC_Z)."""

    template = "(%(expressions)s AT TIME ZONE 'UTC')"
    output_field = DateTimeField()


LIST_TIMES = {"created": UtcTime("created_at"), "updated": UtcTime("updated_at"), "reviewed": UtcTime("reviewed_at")}
LIST_FIELDS = (*ROW_FIELDS, *LIST_TIMES)


# The list's SQL text is built once per process (compiling the same thing as ORM expressions costs
# more than the rest of a small page). Identifiers are quoted from the models' metadata, ids are a
# parameter. SQLite's documents are read as UTF-8 bytes (CAST AS BLOB): no decoding, and no
# encoding again to render. Timestamps are written as IsoText writes them (SQLITE_ISO_TEXT).


def _columns(model, alias: str) -> dict[str, str]:
    quote = connection.ops.quote_name
    return {field.name: f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields}


def _json_object(fields: dict[str, str]) -> str:
    return "json_object(" + ", ".join(f"'{name}', {sql}" for name, sql in fields.items()) + ")"


def _json_object_bytes(fields: dict[str, str]) -> str:
    return f"CAST({_json_object(fields)} AS BLOB)"


@cache
def _sqlite_annotation_json() -> str:
    """An annotation as AnnotationSerializer shows it, without "sources": an expression on the
    annotation table, which every queryset of annotations selects from under the table's name."""
    quote = connection.ops.quote_name
    user = get_user_model()
    a = _columns(Annotation, quote(Annotation._meta.db_table))
    users = quote(user._meta.db_table)
    username, user_pk = quote(user._meta.get_field("username").column), quote(user._meta.pk.column)

    def name_of(user_id: str) -> str:
        return f"(SELECT u.{username} FROM {users} u WHERE u.{user_pk} = {user_id})"  # noqa: S608 (identifiers only)

    review = {
        "editor": name_of(a["reviewed_by"]),
        "decided_at": SQLITE_ISO_TEXT.format(a["reviewed_at"]),
        "comment": a["review_comment"],
    }
    plain = ("id", "article", "start", "end", "quote", "prefix", "suffix", "status", "claimant", "denied_by", "note")
    return _json_object_bytes(
        {name: a[name] for name in plain}
        | {
            "state": a["state"],
            "version": a["version"],
            "author": name_of(a["author"]),
            "created_at": SQLITE_ISO_TEXT.format(a["created_at"]),
            "updated_at": SQLITE_ISO_TEXT.format(a["updated_at"]),
            "review": f"CASE WHEN {a['reviewed_by']} IS NULL THEN NULL ELSE {_json_object(review)} END",
        }
    )


@cache
def _sources_sql(vendor: str) -> str:
    """(annotation id, source) for the annotations whose ids are the one parameter (ids_parameter),
    each annotation's sources in their order. The source is its JSON on SQLite, and on PostgreSQL
    the url, title, publisher, published_at as text, archive_url, relation and pinpoint."""
    quote = connection.ops.quote_name
    link, source = _columns(AnnotationSource, "l"), _columns(Source, "s")
    if vendor == "sqlite":
        document = {name: source[name] for name in ("url", "title", "publisher", "published_at", "archive_url")}
        selected = _json_object_bytes(document | {"relation": link["relation"], "pinpoint": link["pinpoint"]})
    else:
        selected = (
            f"{source['url']}, {source['title']}, {source['publisher']}, {source['published_at']}::text, "
            f"{source['archive_url']}, {link['relation']}, {link['pinpoint']}"
        )
    # Sorted by annotation first: the links come from the index on annotation nearly in that order,
    # so sorting them is almost free (PostgreSQL, 1,000 links: 0.5 ms, against 1.9 ms by position).
    return (
        f"SELECT {link['annotation']}, {selected} "  # noqa: S608 (identifiers only)
        f"FROM {quote(AnnotationSource._meta.db_table)} l "
        f"INNER JOIN {quote(Source._meta.db_table)} s ON {source['id']} = {link['source']} "
        f"WHERE {ids_in_sql(link['annotation'], vendor)} "
        f"ORDER BY {link['annotation']}, {link['position']}, {link['id']}"
    )


def annotation_list_rows(annotations: QuerySet[Annotation]) -> QuerySet:
    """The rows annotation_list_data() presents: named tuples with the annotation's `id` (for the
    cursor), on SQLite with its `document`, elsewhere with the LIST_FIELDS."""
    if connection.vendor == "sqlite":
        document = RawSQL(_sqlite_annotation_json(), (), output_field=BinaryField())  # noqa: S611 (no values)
        return annotations.annotate(document=document).values_list("id", "document", named=True)
    return annotations.annotate(**LIST_TIMES).values_list(*LIST_FIELDS, named=True)


def annotation_list_data(rows: list[tuple]) -> list[dict] | list[orjson.Fragment]:
    """What AnnotationSerializer gives for these annotation_list_rows(), in their order, with one
    more query for their sources: a page of hundreds stays cheap."""
    if not rows:
        return []
    ids = [row.id for row in rows]
    vendor = connection.vendor
    with connection.cursor() as cursor:
        cursor.execute(_sources_sql(vendor), [ids_parameter(ids, vendor)])
        links = cursor.fetchall()
    if vendor != "sqlite":
        return _dicts(rows, links)
    sources: dict[int, list[bytes]] = {pk: [] for pk in ids}
    for annotation_id, document in links:
        sources[annotation_id].append(document)
    # A document is a JSON object, so its text ends with "}": "sources" goes in just before it.
    return [orjson.Fragment(b'%s,"sources":[%s]}' % (document[:-1], b",".join(sources[pk]))) for pk, document in rows]


def _dicts(rows: list[tuple], links: list[tuple]) -> list[dict]:
    sources: dict[int, list[dict]] = {row.id: [] for row in rows}
    for annotation_id, url, title, publisher, published, archive_url, relation, pinpoint in links:
        sources[annotation_id].append(
            {
                "url": url,
                "title": title,
                "publisher": publisher,
                "published_at": published,
                "archive_url": archive_url,
                "relation": relation,
                "pinpoint": pinpoint,
            }
        )
    return [
        {
            "id": pk,
            "article": article_id,
            "start": start,
            "end": end,
            "quote": quote,
            "prefix": prefix,
            "suffix": suffix,
            "status": status,
            "claimant": claimant,
            "denied_by": denied_by,
            "note": note,
            "state": state,
            "version": version,
            "author": author,
            "created_at": created,
            "updated_at": updated,
            "review": {"editor": editor, "decided_at": reviewed, "comment": comment} if editor else None,
            "sources": sources[pk],
        }
        for (
            pk,
            article_id,
            start,
            end,
            quote,
            prefix,
            suffix,
            status,
            claimant,
            denied_by,
            note,
            state,
            version,
            author,
            editor,
            comment,
            created,
            updated,
            reviewed,
        ) in rows
    ]
