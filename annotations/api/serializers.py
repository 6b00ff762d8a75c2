"""API input, and the OpenAPI description of the output.

Serializers parse and check the shape of what comes in; every rule runs in services.py. A
verdict's and an event's JSON are built by records.py: AnnotationSerializer and EventSerializer
only describe them for the schema (tests/test_records.py checks they name the same fields).
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from .. import records, selectors, services
from ..models import (
    COMMENT_LENGTH,
    Annotation,
    AnnotationEvent,
    AnnotationSource,
    Article,
    ClaimantType,
    ImportState,
    NotificationKind,
    Relation,
    Source,
    State,
    Status,
    field_limit,
)
from ..parsing import BIGINT_MAX, parse_id


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


class TextField(serializers.CharField):
    """DRF's CharField for long texts: the surrogate check runs in C (UTF-8 encoding) rather than
    in a Python loop over every character, the largest cost of an upload of 200 articles
    (0.18 of 0.19 s of CPU). Same refusal, same message."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitSurrogateCharactersValidator)]
        self.validators.append(_refuse_surrogates)


def _refuse_surrogates(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        check = ProhibitSurrogateCharactersValidator
        raise serializers.ValidationError(
            check.message.format(code_point=ord(value[exc.start])), code=check.code
        ) from None


class ArticleCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    body = TextField(trim_whitespace=False, max_length=2_000_000)
    url = serializers.URLField(max_length=2000, required=False, allow_blank=True, default="")
    publisher = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    published_at = serializers.DateField(required=False, allow_null=True, default=None)
    language = serializers.CharField(max_length=16, required=False, default="en")


class ArticleFromUrlOrTextSerializer(ArticleCreateSerializer):
    """`POST /api/v1/articles/`: the text, or a `url` alone, whose page is fetched (its title,
    publisher, date and language are used unless given)."""

    title = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    body = TextField(trim_whitespace=False, max_length=2_000_000, required=False, default="", allow_blank=True)
    url = serializers.URLField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="The article's web address. Alone, without `body`, the page is fetched and imported.",
    )
    language = serializers.CharField(
        max_length=16, required=False, default="", allow_blank=True, help_text="Empty: the page's language, else en."
    )


class ArticleImportCreateSerializer(serializers.Serializer):
    articles = ArticleCreateSerializer(many=True, allow_empty=False)


class ImportProblemSerializer(serializers.Serializer):
    item = serializers.IntegerField(allow_null=True, help_text="The article's place in the upload, from 0.")
    title = serializers.CharField()
    messages = serializers.ListField(child=serializers.CharField())


class ArticleImportSerializer(serializers.Serializer):
    """A background import (records.article_import): progress is `done` of `total` articles."""

    id = serializers.IntegerField()
    created_by = serializers.CharField(allow_null=True, help_text="Who imported; null for a command.")
    state = serializers.ChoiceField(choices=ImportState.choices)
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    articles = serializers.ListField(child=serializers.IntegerField(), help_text="Ids of the stored articles.")
    problems = ImportProblemSerializer(many=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


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

    url = serializers.CharField(max_length=field_limit(Source, "url"))
    title = serializers.CharField(max_length=field_limit(Source, "title"), required=False, allow_blank=True, default="")
    publisher = serializers.CharField(
        max_length=field_limit(Source, "publisher"), required=False, allow_blank=True, default=""
    )
    published_at = serializers.DateField(required=False, allow_null=True, default=None)
    archive_url = serializers.CharField(
        max_length=field_limit(Source, "archive_url"), required=False, allow_blank=True, default=""
    )
    relation = serializers.ChoiceField(choices=Relation.choices)
    pinpoint = serializers.CharField(
        max_length=field_limit(AnnotationSource, "pinpoint"), required=False, allow_blank=True, default=""
    )


class ReviewSerializer(serializers.Serializer):
    editor = serializers.CharField()
    decided_at = serializers.DateTimeField()
    comment = serializers.CharField()


class AnnotationSerializer(serializers.ModelSerializer):
    """A verdict as the API shows it (records.verdict): for the OpenAPI schema only."""

    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    review = ReviewSerializer(allow_null=True, read_only=True)
    sources = SourceLinkSerializer(many=True, read_only=True)

    class Meta:
        model = Annotation
        fields = list(records.API_VERDICT_KEYS)
        read_only_fields = fields


class SimilarSerializer(serializers.Serializer):
    """One earlier verdict on a similar claim (GET /api/v1/similar/), documented only: the answer is
    made by selectors.similar_records."""

    annotation = AnnotationSerializer(help_text="The verdict, as GET /api/v1/annotations/{id}/ answers it.")
    score = serializers.FloatField(help_text="How alike the claims are, from the floor (0.6) to 1.")


class ArticleVersionCreateSerializer(serializers.Serializer):
    """A corrected text (`body`), or `refetch: true` to fetch the article's URL again."""

    body = TextField(trim_whitespace=False, max_length=2_000_000, required=False)
    refetch = serializers.BooleanField(required=False, default=False)

    def validate(self, data):
        if ("body" in data) == data["refetch"]:
            raise serializers.ValidationError({"body": ["Send the corrected text as `body`, or `refetch: true`."]})
        return data


class VersionSpanSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    quote = serializers.CharField()


class ReanchoredSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=["exact", "fuzzy", "orphaned"])
    score = serializers.FloatField(help_text="1 for exact; else the similarity (0–1) of the best place found.")
    old = VersionSpanSerializer()
    new = VersionSpanSerializer(allow_null=True, help_text="Null for an orphan: it keeps its old span.")


class VersionReportSerializer(serializers.Serializer):
    """What storing a corrected version did (records.version_report): for the OpenAPI schema only."""

    version = serializers.IntegerField()
    exact = serializers.IntegerField()
    fuzzy = serializers.IntegerField()
    orphaned = serializers.IntegerField()
    annotations = ReanchoredSerializer(many=True)


class ArticleVersionSerializer(serializers.Serializer):
    """One version of an article (records.article_version): for the OpenAPI schema only."""

    version = serializers.IntegerField()
    current = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(allow_null=True)
    body_sha256 = serializers.CharField()
    length = serializers.IntegerField(help_text="The body's length in code points.")


class IdField(serializers.Field):
    """A database id, by the one rule of parsing.parse_id: an int or ASCII digits, 1 to BIGINT_MAX
    (no "²", no 25 digits, no true)."""

    default_error_messages = {"invalid": "A valid id is required: a whole number from 1 to {maximum}."}

    def to_internal_value(self, data) -> int:
        pk = parse_id(data)
        if pk is None:
            self.fail("invalid", maximum=BIGINT_MAX)
        return pk

    def to_representation(self, value) -> int:
        return value


IdField = extend_schema_field({"type": "integer", "minimum": 1, "maximum": BIGINT_MAX})(IdField)


class AnnotationWriteSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    claimant = serializers.CharField(
        max_length=field_limit(Annotation, "claimant"), required=False, allow_blank=True, default=""
    )
    claimant_type = serializers.ChoiceField(
        choices=ClaimantType.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Whether the claimant is a person or an organization (ClaimReview's claim author); "
        "blank: published as an organization.",
    )
    claim_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the claim was made, if known (else ClaimReview uses the article's publication date).",
    )
    denied_by = serializers.CharField(
        max_length=field_limit(Annotation, "denied_by"), required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(
        max_length=field_limit(Annotation, "note"), required=False, allow_blank=True, default="", trim_whitespace=False
    )
    sources = SourceLinkSerializer(many=True, required=False, default=list, max_length=services.MAX_SOURCES_PER_VERDICT)
    same_claim_as = IdField(
        required=False,
        write_only=True,
        help_text="An earlier verdict this one checks the same claim as: both become appearances of one claim "
        "(services.claim_link; you must be able to see it).",
    )

    def validate_sources(self, items: list[dict]) -> list[services.SourceLink]:
        """Sources named by URL: services find the stored one or add it with the verdict."""
        return [
            services.SourceLink(
                services.NewSource(
                    url=item["url"],
                    title=item["title"],
                    publisher=item["publisher"],
                    published_at=item["published_at"],
                    archive_url=item["archive_url"],
                ),
                item["relation"],
                item["pinpoint"],
            )
            for item in items
        ]


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
    comment = serializers.CharField(max_length=COMMENT_LENGTH, required=False, allow_blank=True, default="")


class CommentSerializer(VersionSerializer):
    comment = serializers.CharField(max_length=COMMENT_LENGTH)


class ReselectSerializer(VersionSerializer):
    """An orphan's new span in the current version of its article (code points, as at creation)."""

    start = serializers.IntegerField(min_value=0, max_value=2**31 - 1)
    end = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    quote = TextField(trim_whitespace=False)


class CloseSerializer(VersionSerializer):
    reason = serializers.CharField(max_length=COMMENT_LENGTH)


class EventSerializer(serializers.ModelSerializer):
    """A step of a verdict's history as the API shows it (records.event): for the OpenAPI schema only."""

    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = AnnotationEvent
        fields = ["action", "actor", "at", "from_state", "to_state", "from_status", "to_status", "comment", "changes"]
        read_only_fields = fields


class ClaimCreateSerializer(serializers.Serializer):
    annotations = serializers.ListField(
        child=IdField(),
        min_length=services.CLAIM_MIN,
        max_length=100,
        help_text="The verdicts that check the same statement (at least two, none in a claim yet).",
    )


class ClaimAddSerializer(serializers.Serializer):
    annotation = IdField(help_text="The verdict to add (one you may edit, in no other claim).")


class ClaimArticleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()
    publisher = serializers.CharField()
    published_at = serializers.DateField(allow_null=True)


class AppearanceSerializer(serializers.Serializer):
    """One appearance of a claim (records.appearance): for the OpenAPI schema only."""

    annotation = serializers.IntegerField()
    article = ClaimArticleSerializer()
    quote = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    state = serializers.ChoiceField(choices=State.choices)
    author = serializers.CharField()
    date = serializers.DateTimeField(help_text="When the verdict was recorded.")


class ClaimSerializer(serializers.Serializer):
    """A claim as the API shows it (records.claim): for the OpenAPI schema only. `appearances` and
    `count` hold only the verdicts you may see, oldest check first; `label` is the first one's quote."""

    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    appearances = AppearanceSerializer(many=True)


class AssignmentCreateSerializer(serializers.Serializer):
    reviewer = serializers.CharField(max_length=150, help_text="The username of a reviewer or editor.")
    due = serializers.DateField(required=False, allow_null=True, default=None, input_formats=["%Y-%m-%d"])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class AssignmentSerializer(serializers.Serializer):
    article = serializers.IntegerField()
    reviewer = serializers.CharField()
    due = serializers.DateField(allow_null=True)
    note = serializers.CharField()
    assigned_by = serializers.CharField()
    assigned_at = serializers.DateTimeField()


class CommentWriteSerializer(serializers.Serializer):
    body = TextField(
        allow_blank=True,
        trim_whitespace=False,
        help_text="Plain text; line breaks kept; `@username` mentions a desk member who may read the thread. "
        "Stripped; not empty; at most 4,000 characters (services.comment_body_check says so at `body`).",
    )


class ThreadItemSerializer(serializers.Serializer):
    """An item of a verdict's discussion as the API shows it (records.thread_item): for the OpenAPI schema only."""

    id = serializers.IntegerField(help_text="The comment's id; for a review, its event's.")
    kind = serializers.ChoiceField(choices=["comment", "review"])
    action = serializers.ChoiceField(
        choices=["approve", "request_changes", "reopen"],
        allow_null=True,
        help_text="The review move (null: a comment).",
    )
    author = serializers.CharField()
    body = serializers.CharField(help_text="Empty for a deleted comment.")
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    deleted_by = serializers.CharField(allow_null=True, help_text="Who deleted the comment (null: not deleted).")
    mentions = serializers.ListField(child=serializers.CharField(), help_text="Usernames mentioned and recorded.")


class NotificationSerializer(serializers.Serializer):
    """A notification as the API shows it (records.notification_record): for the OpenAPI schema only."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    text = serializers.CharField(help_text="What happened, in a sentence (plain text).")
    said = serializers.CharField(help_text="The comment, the review move's comment or the assignment's note.")
    comment_deleted = serializers.BooleanField()
    actor = serializers.CharField(allow_null=True, help_text="Who caused it (null: the due-date reminder).")
    article = serializers.DictField(help_text="{id, title}")
    annotation = serializers.IntegerField(allow_null=True)
    comment = serializers.IntegerField(allow_null=True)
    due = serializers.DateField(allow_null=True)
    url = serializers.CharField(help_text="The page it is about: the verdict's card, or the article.")
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class NotificationsQuery(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False, help_text="1: only unread ones.")


class NotificationReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=BIGINT_MAX),
        required=False,
        allow_empty=False,
        max_length=500,
        help_text="Your notifications' ids (at most 500); ids not yours are ignored.",
    )
    all = serializers.BooleanField(required=False, default=False, help_text="true: every unread notification.")

    def validate(self, data):
        if data.get("all") and "ids" in data:
            raise serializers.ValidationError({"ids": ["Give ids or all: true, not both."]})
        if not data.get("all") and "ids" not in data:
            raise serializers.ValidationError({"ids": ["Give a list of notification ids, or all: true."]})
        return data


class NotificationPageSerializer(serializers.Serializer):
    """A page of notifications (the API's cursor pages): for the OpenAPI schema only."""

    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = NotificationSerializer(many=True)
