"""The JSON API (/api/v1/). Views check access, call one service or selector, and serialize."""

from functools import cache

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Count
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django_filters import rest_framework as filters
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, mixins, permissions, serializers, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from .. import logins, notifications, records, rendering, roles, selectors, services
from ..exporters import FORMATS, stream
from ..exporters.common import Selection
from ..forms import SearchForm, SimilarForm, search_cursor
from ..models import Action, Anchoring, Annotation, Article, ArticleImport, Claim, Source, State, Status
from ..parsing import BIGINT_MAX, IdConverter, parse_id, whole_number
from ..paths import EXPORT_SCHEMA_PATH
from ..replicas import heavy_read
from ..selectors import SEARCH_TYPES
from . import serializers as s
from .exceptions import LoginLockedOut
from .throttling import AnonRateThrottle, TokenRateThrottle, UserRateThrottle


@extend_schema_view(
    post=extend_schema(auth=[], description="A token for a username and password, sent as `Authorization: Token …`."),
    delete=extend_schema(request=None, responses={204: None}, description="Revoke the caller's token."),
)
class TokenView(generics.GenericAPIView):
    """POST: the user's token (services.token_issue); DELETE: revoke it (services.token_revoke).

    The password is checked by AuthTokenSerializer through `django.contrib.auth.authenticate` with the
    request, so django-axes counts failures and refuses a locked-out client before any hashing.
    """

    serializer_class = AuthTokenSerializer
    throttle_classes = [AnonRateThrottle, UserRateThrottle, TokenRateThrottle]

    def get_authenticators(self):
        # Logging in needs no credentials but the password: an expired token sent along must not refuse it.
        if getattr(self.request, "method", None) == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self):
        return [] if self.request.method == "POST" else [permissions.IsAuthenticated()]

    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):
                raise LoginLockedOut(logins.lockout_wait(request))
            raise serializers.ValidationError(serializer.errors)
        token = services.token_issue(user=serializer.validated_data["user"])
        return Response({"token": token.key})

    def delete(self, request):
        services.token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# What DRF answers for a verdict it cannot find or the viewer may not see (as get_object_or_404 says it).
NO_VERDICT = "No Annotation matches the given query."


class IdLookup:
    """A viewset whose detail URLs name a database id: beyond the id columns' range it names nothing (404)."""

    def get_object(self):
        self.kwargs[self.lookup_field] = _id(self.kwargs[self.lookup_field])
        return super().get_object()


class Pages(CursorPagination):
    page_size = 50
    max_page_size = 500
    page_size_query_param = "page_size"
    ordering = "-id"

    def decode_cursor(self, request) -> Cursor | None:
        """DRF's cursor, whose position must be an id: DRF takes any text, and a forged cursor
        with a word in it reached the database as an id (a 500)."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            try:
                position = int(cursor.position)
            except ValueError:
                raise NotFound(self.invalid_cursor_message) from None
            if abs(position) > BIGINT_MAX:
                raise NotFound(self.invalid_cursor_message)
        return cursor


class ArticleFilter(filters.FilterSet):
    search = filters.CharFilter(method="matching", label="Every word in the title (as the article list's search)")
    language = filters.CharFilter()
    publisher = filters.CharFilter(lookup_expr="iexact")
    assigned_to = filters.CharFilter(method="assigned", label="Open assignments of a username, or `me`")

    class Meta:
        model = Article
        fields = ["search", "language", "publisher", "assigned_to"]

    def matching(self, queryset, name, value):
        return queryset.filter(selectors.article_matches(value))

    def assigned(self, queryset, name, value):
        return queryset.filter(selectors.assigned_articles(self.request.user if value == "me" else value))


@extend_schema_view(
    create=extend_schema(
        request=s.ArticleFromUrlOrTextSerializer,
        responses={201: s.ArticleDetailSerializer, 202: s.ArticleImportSerializer},
        description="Store an article: its `body`, or a `url` alone, whose page is fetched (public addresses only, "
        "HTML or plain text, at most FACTCHECK_MAX_ARTICLE_BYTES; a refusal is 400 on `url`). "
        "A text larger than FACTCHECK_IMPORT_INLINE_BYTES is imported in the background instead: 202, "
        "with the import (its `Location`) to follow until it is `done`.",
    ),
)
class ArticleViewSet(
    IdLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Stored articles. Creating one segments it exactly like the import command."""

    lookup_value_regex = IdConverter.regex

    pagination_class = Pages
    filterset_class = ArticleFilter

    def get_queryset(self):
        articles = Article.objects.annotate(sentence_count=Count("sentences")).select_related("imported_by")
        if self.action == "list":
            return articles.defer("body")
        return articles.prefetch_related("sentences")

    def get_serializer_class(self):
        return s.ArticleSerializer if self.action == "list" else s.ArticleDetailSerializer

    @heavy_read
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        data = _valid(s.ArticleFromUrlOrTextSerializer, request.data)
        stored = services.article_import_or_fetch(imported_by=request.user, **data)
        if isinstance(stored, ArticleImport):
            return _import_response(stored)
        article = self.get_queryset().get(pk=stored.pk)
        return Response(s.ArticleDetailSerializer(article).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: s.ArticleVersionSerializer(many=True)},
        description="An article's versions, oldest first; the last is current.",
    )
    @extend_schema(
        methods=["POST"],
        request=s.ArticleVersionCreateSerializer,
        responses={201: s.VersionReportSerializer},
        description="Store a corrected text as the next version and re-anchor every live verdict on it: "
        "exact, fuzzy (moved to a close match) or orphaned (kept on its old version, in /orphans/).",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def versions(self, request, pk=None):
        article = get_object_or_404(Article, pk=_id(pk))
        if request.method == "GET":
            return Response([records.article_version(row) for row in selectors.article_versions(article=article)])
        data = _valid(s.ArticleVersionCreateSerializer, request.data)
        if data["refetch"]:
            report = services.article_version_refetch(article=article, actor=request.user)
        else:
            report = services.article_version_create(article=article, actor=request.user, body=data["body"])
        return Response(selectors.version_report(report=report, viewer=request.user), status=201)

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: s.AssignmentSerializer(many=True)},
        description="Who the article is assigned to (open assignments), by username.",
    )
    @extend_schema(
        methods=["POST"],
        request=s.AssignmentCreateSerializer,
        responses={201: s.AssignmentSerializer},
        description="Editors only: assign the article to a reviewer, with an optional due date and note. "
        "Assigning someone again replaces their due date and note (the record keeps both).",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def assignments(self, request, pk=None):
        article = get_object_or_404(Article, pk=_id(pk))
        if request.method == "GET":
            return Response([records.assignment(row) for row in selectors.article_assignments(article=article)])
        data = _valid(s.AssignmentCreateSerializer, request.data)
        made = services.assignment_create(
            article=article, editor=request.user, username=data["reviewer"], due=data["due"], note=data["note"]
        )
        return Response(records.assignment(made), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None}, description="Editors only: take the article back.")
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"assignments/(?P<username>[^/]+)",
        pagination_class=None,
        filterset_class=None,
    )
    def unassign(self, request, pk=None, username=None):
        article = get_object_or_404(Article, pk=_id(pk))
        services.assignment_remove(article=article, username=username, editor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _import_response(job: ArticleImport) -> Response:
    """201 for an import stored in the request, 202 for one left to the worker; Location: where to follow it."""
    code = status.HTTP_201_CREATED if job.finished else status.HTTP_202_ACCEPTED
    location = reverse("api:import-detail", args=[job.pk])
    return Response(records.article_import(job), status=code, headers={"Location": location})


@extend_schema_view(
    create=extend_schema(
        request=s.ArticleImportCreateSerializer,
        responses={201: s.ArticleImportSerializer, 202: s.ArticleImportSerializer},
        description="Import many articles at once (at most FACTCHECK_MAX_IMPORT_ARTICLES, "
        "FACTCHECK_MAX_IMPORT_BYTES of text). One refused article refuses the upload (400, nothing stored). "
        "Up to FACTCHECK_IMPORT_INLINE_BYTES of text is stored at once (201, `done`); more is stored in the "
        "background (202, `queued`): follow the import's `Location` until its state is `done` or `failed`.",
    ),
)
class ImportViewSet(IdLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Imports of many articles, or of a large one: an editor sees every import, a reviewer their own."""

    lookup_value_regex = IdConverter.regex
    pagination_class = Pages
    serializer_class = s.ArticleImportSerializer

    def get_queryset(self):
        return selectors.visible_imports(viewer=self.request.user)

    # The record is written once (records.article_import); the serializer documents it.
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([records.article_import(job) for job in page])

    def retrieve(self, request, *args, **kwargs):
        return Response(records.article_import(self.get_object()))

    def create(self, request, *args, **kwargs):
        data = _valid(s.ArticleImportCreateSerializer, request.data)
        return _import_response(services.articles_import(articles=data["articles"], imported_by=request.user))


class IdFilter(filters.NumberFilter):
    """A database id: a whole number in the range of the id columns."""

    field_class = forms.IntegerField

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=BIGINT_MAX, **kwargs)


class AnnotationFilter(filters.FilterSet):
    article = extend_schema_field(
        {
            "type": "integer",
            "minimum": 1,
            "maximum": BIGINT_MAX,
            "description": "Only this article's verdicts (the article's id).",
        }
    )(IdFilter(field_name="article_id"))
    status = filters.ChoiceFilter(choices=Status.choices)
    state = filters.ChoiceFilter(choices=State.choices)
    author = filters.CharFilter(field_name="author__username", label="Only verdicts by this reviewer (a username).")
    anchor = filters.ChoiceFilter(choices=Anchoring.choices, label="exact, fuzzy or orphaned (after a correction).")

    class Meta:
        model = Annotation
        fields = ["article", "status", "state", "author", "anchor"]


@cache
def _filter_form(filterset_class: type[filters.FilterSet]) -> type[forms.Form]:
    """The form of a FilterSet, which django-filter builds again for every request (with a copy of
    each filter) though its fields never change (docs/performance.md)."""
    return filterset_class().get_form_class()


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema_view(
    create=extend_schema(request=s.AnnotationCreateSerializer, responses={201: s.AnnotationSerializer}),
    update=extend_schema(request=s.AnnotationUpdateSerializer, responses={200: s.AnnotationSerializer}),
    partial_update=extend_schema(request=s.AnnotationUpdateSerializer, responses={200: s.AnnotationSerializer}),
    destroy=extend_schema(
        parameters=[OpenApiParameter("version", OpenApiTypes.INT, description="Refuse with 409 if not current.")]
    ),
)
class AnnotationViewSet(viewsets.ModelViewSet):
    """Verdicts. Drafts are visible to their author and editors only. Writes carry the version they are based on."""

    lookup_value_regex = IdConverter.regex

    serializer_class = s.AnnotationSerializer
    pagination_class = Pages
    filterset_class = AnnotationFilter

    def get_queryset(self):
        return selectors.visible_annotations(viewer=self.request.user)

    def get_object(self) -> Annotation:
        annotation = selectors.annotation_for(viewer=self.request.user, pk=_id(self.kwargs["pk"]))
        if annotation is None:
            raise NotFound(NO_VERDICT)
        return annotation

    @heavy_read
    def list(self, request, *args, **kwargs):
        # The filters are checked by the form DjangoFilterBackend would check them with (same
        # 400s, same OpenAPI parameters); the rows come from the selector every reader uses.
        filters_given = _filter_form(self.filterset_class)(request.query_params)
        if not filters_given.is_valid():
            raise translate_validation(filters_given.errors)
        rows = selectors.visible_verdict_rows(viewer=request.user, **filters_given.cleaned_data)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(selectors.verdict_records(page))

    def retrieve(self, request, *args, **kwargs):
        return Response(self._record(_id(kwargs["pk"])))

    def create(self, request, *args, **kwargs):
        data = _valid(s.AnnotationCreateSerializer, request.data)
        annotation = services.annotation_create(author=request.user, **data)
        return Response(self._record(annotation.pk), status=201)

    def update(self, request, *args, **kwargs):
        annotation = self.get_object()
        payload = request.data
        if kwargs.get("partial"):
            current = self._record(annotation.pk)
            given = payload.dict() if hasattr(payload, "dict") else payload
            payload = {
                key: current[key]
                for key in ("status", "claimant", "claimant_type", "claim_date", "denied_by", "note", "sources")
            } | given
        data = _valid(s.AnnotationUpdateSerializer, payload)
        annotation = services.annotation_update(annotation=annotation, actor=request.user, **data)
        return Response(self._record(annotation.pk))

    def destroy(self, request, *args, **kwargs):
        version = request.query_params.get("version")
        if version is not None and whole_number(version, minimum=1) is None:
            raise serializers.ValidationError({"version": ["A valid integer is required."]})
        services.annotation_delete(
            annotation=self.get_object(), actor=request.user, version=whole_number(version, minimum=1)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _record(self, pk: int) -> dict:
        record = selectors.verdict_record(viewer=self.request.user, pk=pk)
        if record is None:
            raise NotFound(NO_VERDICT)
        return record

    def _transition(self, request, action: str, serializer_class) -> Response:
        data = _valid(serializer_class, request.data)
        annotation = services.annotation_transition(
            annotation=self.get_object(),
            actor=request.user,
            action=action,
            version=data["version"],
            status=data.get("status"),
            comment=data.get("comment", ""),
        )
        return Response(self._record(annotation.pk))

    @extend_schema(request=s.VersionSerializer, responses={200: s.AnnotationSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._transition(request, Action.SUBMIT, s.VersionSerializer)

    @extend_schema(request=s.ApproveSerializer, responses={200: s.AnnotationSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._transition(request, Action.APPROVE, s.ApproveSerializer)

    @extend_schema(request=s.CommentSerializer, responses={200: s.AnnotationSerializer})
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, pk=None):
        return self._transition(request, Action.REQUEST_CHANGES, s.CommentSerializer)

    @extend_schema(request=s.CommentSerializer, responses={200: s.AnnotationSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._transition(request, Action.REOPEN, s.CommentSerializer)

    @extend_schema(
        request=s.ReselectSerializer,
        responses={200: s.AnnotationSerializer},
        description="Place an orphan on the current version of its article (the orphan queue's re-selection).",
    )
    @action(detail=True, methods=["post"])
    def reselect(self, request, pk=None):
        data = _valid(s.ReselectSerializer, request.data)
        annotation = services.annotation_reselect(annotation=self.get_object(), actor=request.user, **data)
        return Response(self._record(annotation.pk))

    @extend_schema(
        request=s.CloseSerializer,
        responses={204: None},
        description="Close an orphan with a reason (a soft delete an editor can undo).",
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        data = _valid(s.CloseSerializer, request.data)
        services.annotation_orphan_close(annotation=self.get_object(), actor=request.user, **data)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: s.EventSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def events(self, request, pk=None):
        """A verdict's history, oldest first: a plain list (a history is short), as the schema says."""
        return Response(selectors.event_records(annotation=self.get_object()))

    def _discussed(self) -> Annotation:
        """The verdict if the caller may see it (404) and discuss it (403: roles.can_discuss)."""
        annotation = self.get_object()
        if not roles.can_discuss(self.request.user, annotation):
            raise DjangoPermissionDenied(roles.DISCUSS_REFUSAL)
        return annotation

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: s.ThreadItemSerializer(many=True)},
        description="The verdict's discussion, oldest first: its comments and its review moves' comments.",
    )
    @extend_schema(
        methods=["POST"],
        request=s.CommentWriteSerializer,
        responses={201: s.ThreadItemSerializer},
        description="Comment on the verdict (its author, editors, and reviewers once it is submitted). "
        "A comment changes nothing of the verdict.",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def comments(self, request, pk=None):
        annotation = self._discussed()
        if request.method == "GET":
            items = selectors.annotation_thread(annotation=annotation, viewer=request.user)
            return Response([records.thread_item(item) for item in items])
        data = _valid(s.CommentWriteSerializer, request.data)
        comment = services.comment_create(annotation=annotation, author=request.user, body=data["body"])
        return Response(records.thread_item(selectors.comment_item(comment, viewer=request.user)), status=201)

    @extend_schema(
        methods=["PATCH"],
        request=s.CommentWriteSerializer,
        responses={200: s.ThreadItemSerializer},
        description="Edit your comment (within FACTCHECK_COMMENT_EDIT_SECONDS of writing it).",
    )
    @extend_schema(
        methods=["DELETE"],
        request=None,
        responses={204: None},
        description="Delete a comment (its writer or an editor): the thread keeps it as deleted by you.",
    )
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"comments/(?P<comment>[0-9]{1,19})",
        pagination_class=None,
        filterset_class=None,
    )
    def comment(self, request, pk=None, comment=None):
        annotation = self._discussed()
        found = selectors.comment_for(viewer=request.user, pk=_id(comment))
        if found is None or found.annotation_id != annotation.pk:
            raise NotFound("No Comment matches the given query.")
        if request.method == "DELETE":
            services.comment_delete(comment=found, actor=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = _valid(s.CommentWriteSerializer, request.data)
        edited = services.comment_edit(comment=found, actor=request.user, body=data["body"])
        return Response(records.thread_item(selectors.comment_item(edited, viewer=request.user)))


# What the API answers for a claim it cannot find or the viewer may see no appearance of.
NO_CLAIM = "No Claim matches the given query."


@extend_schema_view(
    create=extend_schema(
        request=s.ClaimCreateSerializer,
        responses={201: s.ClaimSerializer},
        description="Group verdicts that check the same statement into a new claim: at least two, each one you "
        "may see and in no claim yet, one of them at least yours to edit.",
    ),
    retrieve=extend_schema(
        responses={200: s.ClaimSerializer},
        description="A claim's appearances you may see, oldest check first; `count` counts only those.",
    ),
)
class ClaimViewSet(viewsets.GenericViewSet):
    """Claims: one statement checked in more than one place. Writes go through services.claim_*."""

    lookup_value_regex = IdConverter.regex
    serializer_class = s.ClaimSerializer
    pagination_class = None

    def get_queryset(self):
        return Claim.objects.none()  # read by selectors.claim_for, never listed

    def _claim(self, pk: str) -> Claim:
        claim = selectors.claim_for(viewer=self.request.user, pk=_id(pk))
        if claim is None:
            raise NotFound(NO_CLAIM)
        return claim

    def _answer(self, pk: int, code: int = 200) -> Response:
        claim = self._claim(str(pk))
        return Response(records.claim(claim, selectors.claim_appearances(viewer=self.request.user, claim=claim)), code)

    def _verdict(self, pk: int, field: str) -> Annotation:
        annotation = selectors.annotation_for(viewer=self.request.user, pk=pk)
        if annotation is None:
            raise serializers.ValidationError({field: [f"Verdict {pk} does not exist or you cannot see it."]})
        return annotation

    def create(self, request, *args, **kwargs):
        ids = list(dict.fromkeys(_valid(s.ClaimCreateSerializer, request.data)["annotations"]))
        found = selectors.visible_annotations(viewer=request.user).in_bulk(ids)
        missing = [f"Verdict {pk} does not exist or you cannot see it." for pk in ids if pk not in found]
        if missing:
            raise serializers.ValidationError({"annotations": missing})
        claim = services.claim_create(annotations=[found[pk] for pk in ids], actor=request.user)
        return self._answer(claim.pk, 201)

    def retrieve(self, request, pk=None):
        return self._answer(pk)

    @extend_schema(
        request=s.ClaimAddSerializer,
        responses={200: s.ClaimSerializer},
        description="Add a verdict you may edit to this claim (400 if it is in another claim).",
    )
    @action(detail=True, methods=["post"], url_path="annotations")
    def add(self, request, pk=None):
        claim = self._claim(pk)
        annotation = self._verdict(_valid(s.ClaimAddSerializer, request.data)["annotation"], "annotation")
        services.claim_add(claim=claim, annotation=annotation, actor=request.user)
        return self._answer(claim.pk)

    @extend_schema(
        request=None,
        responses={200: s.ClaimSerializer, 204: None},
        description="Take a verdict you may edit out of this claim: the claim as it is now, or 204 when no "
        "appearance you may see is left (a claim with none at all is deleted).",
    )
    @action(detail=True, methods=["delete"], url_path=r"annotations/(?P<annotation>[0-9]{1,19})")
    def remove(self, request, pk=None, annotation=None):
        claim = self._claim(pk)
        verdict = selectors.annotation_for(viewer=request.user, pk=_id(annotation))
        if verdict is None or verdict.claim_id != claim.pk:
            raise NotFound(NO_VERDICT)
        services.claim_remove(claim=claim, annotation=verdict, actor=request.user)
        if selectors.claim_for(viewer=request.user, pk=claim.pk) is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return self._answer(claim.pk)


def _id(value: str) -> int:
    """A URL's id (the route allows ASCII digits only); beyond the id columns' range it names nothing."""
    pk = parse_id(value)
    if pk is None:
        raise NotFound()
    return pk


class SourceFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Words in title, publisher or URL")

    class Meta:
        model = Source
        fields = ["q"]

    def search(self, queryset, name, value):
        return queryset.filter(selectors.source_matches(value))


@extend_schema_view(create=extend_schema(responses={200: s.SourceSerializer, 201: s.SourceSerializer}))
class SourceViewSet(
    IdLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Sources, stored once per normalised URL. Creating an existing URL returns the stored source (200)."""

    lookup_value_regex = IdConverter.regex

    serializer_class = s.SourceSerializer
    pagination_class = Pages
    filterset_class = SourceFilter

    def get_queryset(self):
        return selectors.visible_sources(viewer=self.request.user)

    @heavy_read
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        data = _valid(s.SourceSerializer, request.data)
        source, created = services.source_get_or_create(
            url=data["url"],
            title=data.get("title", ""),
            publisher=data.get("publisher", ""),
            published_at=data.get("published_at"),
            archive_url=data.get("archive_url", ""),
            created_by=request.user,
        )
        return Response(s.SourceSerializer(source).data, status=201 if created else 200)


class ExportQuery(serializers.Serializer):
    article = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    state = serializers.ChoiceField(choices=State.choices, required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    format = serializers.ChoiceField(choices=sorted(FORMATS), required=False, default="native")
    with_snapshots = serializers.BooleanField(
        required=False, default=False, help_text="native: each cited source's latest snapshot with its text."
    )


@extend_schema(
    parameters=[
        OpenApiParameter("q", str, description="Words; every one is needed, the last may be the start of a word."),
        OpenApiParameter("type", str, enum=list(SEARCH_TYPES), description="verdict (default), article or source."),
        *(OpenApiParameter(name, str) for name in ("status", "state", "publisher")),
        *(OpenApiParameter(name, int) for name in ("article", "reviewer")),
        *(OpenApiParameter(name, OpenApiTypes.DATE) for name in ("since", "until")),
        OpenApiParameter("cursor", str, description="From a previous answer's `next` or `previous` link."),
    ],
    responses={200: OpenApiTypes.OBJECT},
    description="Search across the desk, best first: {next, previous, results: [{type, id, score, title, "
    "snippet, url} (+ article, status and state for verdicts)]}; snippets are HTML, escaped, matched words in "
    "<mark>. `next` and `previous` are links with a cursor, or null.",
)
@api_view(["GET"])
@heavy_read
def search(request):
    form = SearchForm(request.query_params)
    if not form.is_valid():
        raise serializers.ValidationError(form.errors)
    page = form.search(viewer=request.user)
    for result in page.results:
        result["snippet"] = str(rendering.search_snippet(result["snippet"]))

    def link(offset: int | None) -> str | None:
        url = request.build_absolute_uri()
        if offset is None:
            return None
        if offset == 0:
            return remove_query_param(url, "cursor")
        return replace_query_param(url, "cursor", search_cursor(offset))

    return Response({"next": link(page.next), "previous": link(page.previous), "results": page.results})


@extend_schema(
    parameters=[
        OpenApiParameter("text", str, description="The claim, in words (at most 2,000 characters)."),
        OpenApiParameter(
            "annotation",
            int,
            description="Instead of text: a verdict, by id; its quote is the claim, and it and "
            "its article are left out.",
        ),
        OpenApiParameter("article", int, description="The article the claim is read in: left out of the answer."),
    ],
    responses={200: s.SimilarSerializer(many=True)},
    description="Checked before: at most five earlier verdicts on similar claims in other articles, best "
    "first, among those you may see (never someone else's draft). 400 with a message per field for a missing "
    "or invalid parameter; 404 for an annotation you may not see.",
)
@api_view(["GET"])
def similar(request):
    form = SimilarForm(request.query_params)
    if not form.is_valid():
        raise serializers.ValidationError(form.errors)
    claim = form.claim(viewer=request.user)
    if claim is None:
        raise NotFound(NO_VERDICT)
    return Response(selectors.similar_records(viewer=request.user, **claim))


@extend_schema(
    parameters=[ExportQuery],
    responses={
        (200, "application/json"): OpenApiTypes.OBJECT,
        (200, "application/ld+json"): OpenApiTypes.OBJECT,
        (200, 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'): OpenApiTypes.OBJECT,
    },
    description="Streams the verdicts you may see: native (docs/export.schema.json), w3c or claimreview.",
)
@api_view(["GET"])
@heavy_read
def export(request):
    query = ExportQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    params = query.validated_data
    if params.get("article"):
        get_object_or_404(Article, pk=params["article"])
    selection = Selection(
        viewer=request.user,
        article_id=params.get("article"),
        state=params.get("state", ""),
        status=params.get("status", ""),
        snapshot_text=params["with_snapshots"],
    )
    exporter = FORMATS[params["format"]]
    base_url = request.build_absolute_uri("/").rstrip("/")
    response = StreamingHttpResponse(stream(exporter, selection, base_url=base_url), content_type=exporter.CONTENT_TYPE)
    # One article's export is named after it: the article page's buttons download it as a file.
    article = f"article-{params['article']}-" if params.get("article") else ""
    response["Content-Disposition"] = f'inline; filename="factcheck-{article}{params["format"]}.json"'
    return response


@extend_schema(responses={(200, "application/schema+json"): OpenApiTypes.OBJECT})
@api_view(["GET"])
def export_schema(request):
    """The JSON Schema of the native export format."""
    return FileResponse(EXPORT_SCHEMA_PATH.open("rb"), content_type="application/schema+json")


@extend_schema(
    parameters=[
        OpenApiParameter("unread", bool, description="1: only unread ones."),
        OpenApiParameter("cursor", str, description="From a previous answer's `next` or `previous` link."),
    ],
    responses={200: s.NotificationPageSerializer},
    description="Your notifications, newest first, a page at a time (the API's cursor pages).",
)
@api_view(["GET"])
def notification_list(request):
    query = _valid(s.NotificationsQuery, request.query_params)
    pages = Pages()
    page = pages.paginate_queryset(selectors.notifications_of(user=request.user, unread=query["unread"]), request)
    return pages.get_paginated_response([records.notification_record(row) for row in page])


@extend_schema(
    request=s.NotificationReadSerializer,
    responses={200: OpenApiTypes.OBJECT},
    description="Mark your notifications read: `{ids: [...]}` or `{all: true}`. Answers {marked, unread}.",
)
@api_view(["POST"])
def notification_read(request):
    data = _valid(s.NotificationReadSerializer, request.data)
    marked = notifications.notifications_read(user=request.user, ids=data.get("ids"), everything=data["all"])
    return Response({"marked": marked, "unread": selectors.unread_notification_count(user=request.user)})
