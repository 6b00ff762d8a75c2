"""API representations. Serializers only parse and present; every rule runs in services.py."""

from django.db import connection
from django.db.models import BinaryField, Case, CharField, F, QuerySet, When
from django.db.models.functions import Cast, JSONObject
from drf_spectacular.utils import extend_schema_field
import orjson
from rest_framework import serializers

from ..exporters.common import ROW_FIELDS, ROW_TIMES, IdsIn, IsoText, fetch_all, link_values
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
    sources = SourceLinkSerializer(many=True, required=False, default=list)


class AnnotationCreateSerializer(AnnotationWriteSerializer):
    article = serializers.PrimaryKeyRelatedField(queryset=Article.objects.all())
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

LIST_FIELDS = (*ROW_FIELDS, *ROW_TIMES)


def _json_bytes(**fields) -> Cast:
    """A JSON object built by SQLite, read as UTF-8 bytes (no decoding, and none again to render)."""
    return Cast(JSONObject(**fields), BinaryField())


def _sqlite_document() -> Cast:
    """An annotation as AnnotationSerializer shows it, without "sources"."""
    review = JSONObject(
        editor=F("reviewed_by__username"), decided_at=IsoText("reviewed_at"), comment=F("review_comment")
    )
    return _json_bytes(
        id=F("id"),
        article=F("article_id"),
        start=F("start"),
        end=F("end"),
        quote=F("quote"),
        prefix=F("prefix"),
        suffix=F("suffix"),
        status=F("status"),
        claimant=F("claimant"),
        denied_by=F("denied_by"),
        note=F("note"),
        state=F("state"),
        version=F("version"),
        author=F("author__username"),
        created_at=IsoText("created_at"),
        updated_at=IsoText("updated_at"),
        review=Case(When(reviewed_by__isnull=False, then=review)),
    )


def annotation_list_rows(annotations: QuerySet[Annotation]) -> QuerySet:
    """The rows annotation_list_data() presents: named tuples with the annotation's `id` (for the
    cursor), on SQLite with its `document`, elsewhere with the LIST_FIELDS."""
    if connection.vendor == "sqlite":
        return annotations.annotate(document=_sqlite_document()).values_list("id", "document", named=True)
    return annotations.annotate(**ROW_TIMES).values_list(*LIST_FIELDS, named=True)


def annotation_list_data(rows: list[tuple]) -> list[dict] | list[orjson.Fragment]:
    """What AnnotationSerializer gives for these annotation_list_rows(), in their order, with one
    more query for their sources: a page of hundreds stays cheap."""
    if not rows:
        return []
    links = AnnotationSource.objects.filter(IdsIn("annotation_id", [row.id for row in rows])).order_by("position", "id")
    if connection.vendor == "sqlite":
        return _documents(rows, links)
    return _dicts(rows, links)


def _documents(rows: list[tuple[int, bytes]], links: QuerySet[AnnotationSource]) -> list[orjson.Fragment]:
    sources: dict[int, list[bytes]] = {row.id: [] for row in rows}
    source = _json_bytes(
        url=F("source__url"),
        title=F("source__title"),
        publisher=F("source__publisher"),
        published_at=Cast("source__published_at", CharField()),
        archive_url=F("source__archive_url"),
        relation=F("relation"),
        pinpoint=F("pinpoint"),
    )
    for annotation_id, document in fetch_all(links.values_list("annotation_id", source)):
        sources[annotation_id].append(document)
    # The document is a JSON object, so its text ends with "}": "sources" goes in just before it.
    return [orjson.Fragment(b'%s,"sources":[%s]}' % (document[:-1], b",".join(sources[pk]))) for pk, document in rows]


def _dicts(rows: list[tuple], links: QuerySet[AnnotationSource]) -> list[dict]:
    sources: dict[int, list[dict]] = {row.id: [] for row in rows}
    for annotation_id, url, title, publisher, published, archive_url, relation, pinpoint in fetch_all(
        link_values(links)
    ):
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
