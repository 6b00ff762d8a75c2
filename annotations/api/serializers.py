"""API representations. Serializers only parse and present; every rule runs in services.py."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import selectors, services
from ..models import Annotation, AnnotationEvent, Article, Relation, Source, Status


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
