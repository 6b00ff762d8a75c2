"""The JSON API (/api/v1/). Views check access, call one service or selector, and serialize."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
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

from .. import logins, selectors, services
from ..exporters import FORMATS, stream
from ..exporters.common import Selection
from ..models import Annotation, Article, Source, State, Status
from ..paths import EXPORT_SCHEMA_PATH
from . import listing
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
            if abs(position) > selectors.BIGINT_MAX:
                raise NotFound(self.invalid_cursor_message)
        return cursor


class ArticleFilter(filters.FilterSet):
    search = filters.CharFilter(field_name="title", lookup_expr="icontains", label="Title contains")
    language = filters.CharFilter()
    publisher = filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Article
        fields = ["search", "language", "publisher"]


@extend_schema_view(
    create=extend_schema(request=s.ArticleCreateSerializer, responses={201: s.ArticleDetailSerializer}),
)
class ArticleViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Stored articles. Creating one segments it exactly like the import command."""

    lookup_value_regex = r"\d+"

    pagination_class = Pages
    filterset_class = ArticleFilter

    def get_queryset(self):
        articles = Article.objects.annotate(sentence_count=Count("sentences")).select_related("imported_by")
        if self.action == "list":
            return articles.defer("body")
        return articles.prefetch_related("sentences")

    def get_serializer_class(self):
        return s.ArticleSerializer if self.action == "list" else s.ArticleDetailSerializer

    def create(self, request, *args, **kwargs):
        data = _valid(s.ArticleCreateSerializer, request.data)
        article = services.article_import(imported_by=request.user, **data)
        article = self.get_queryset().get(pk=article.pk)
        return Response(s.ArticleDetailSerializer(article).data, status=status.HTTP_201_CREATED)


class IdFilter(filters.NumberFilter):
    """A database id: a whole number in the range of the id columns."""

    field_class = forms.IntegerField

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=selectors.BIGINT_MAX, **kwargs)


class AnnotationFilter(filters.FilterSet):
    article = extend_schema_field(
        {
            "type": "integer",
            "minimum": 1,
            "maximum": selectors.BIGINT_MAX,
            "description": "Only this article's verdicts (the article's id).",
        }
    )(IdFilter(field_name="article_id"))
    status = filters.ChoiceFilter(choices=Status.choices)
    state = filters.ChoiceFilter(choices=State.choices)
    author = filters.CharFilter(field_name="author__username", label="Only verdicts by this reviewer (a username).")

    class Meta:
        model = Annotation
        fields = ["article", "status", "state", "author"]


@cache
def _filter_form(filterset_class: type[filters.FilterSet]) -> type[forms.Form]:
    """The form of a FilterSet, which django-filter builds again for every request (with a copy of
    each filter) though its fields never change: about half a millisecond per request."""
    return filterset_class().get_form_class()


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _links(request, sources: list[dict]) -> list[services.SourceLink]:
    """Resolve submitted sources to stored ones (reused by normalised URL); errors name the source's position."""
    links = []
    for position, item in enumerate(sources):
        try:
            source, _ = services.source_get_or_create(
                url=item["url"],
                title=item["title"],
                publisher=item["publisher"],
                published_at=item["published_at"],
                archive_url=item["archive_url"],
                created_by=request.user,
            )
        except ValidationError as exc:
            raise serializers.ValidationError({"sources": {position: exc.message_dict}}) from None
        links.append(services.SourceLink(source, item["relation"], item["pinpoint"]))
    return links


@contextmanager
def _cited_sources(request, sources: list[dict]) -> Iterator[list[services.SourceLink]]:
    """The submitted sources as stored ones, for the write inside the `with` block that cites them.

    A source new to the library is stored only if that write succeeds: with sources, the block runs
    in a transaction, so a refused verdict leaves none behind. Without sources there is nothing to
    undo, and a verdict's own write is atomic.
    """
    if not sources:
        yield []
        return
    with transaction.atomic():
        yield _links(request, sources)


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

    lookup_value_regex = r"\d+"

    serializer_class = s.AnnotationSerializer
    pagination_class = Pages
    filterset_class = AnnotationFilter

    def get_queryset(self):
        return (
            selectors.visible_annotations(viewer=self.request.user)
            .select_related("author", "reviewed_by")
            .prefetch_related("source_links__source")
        )

    def list(self, request, *args, **kwargs):
        # The filters are checked by the form DjangoFilterBackend would check them with (same
        # 400s, same OpenAPI parameters); the rows come from listing's own statement.
        filters_given = _filter_form(self.filterset_class)(request.query_params)
        if not filters_given.is_valid():
            raise translate_validation(filters_given.errors)
        rows = listing.AnnotationRows.visible_to(request.user, **filters_given.cleaned_data)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(listing.annotation_list_data(page))

    def create(self, request, *args, **kwargs):
        data = _valid(s.AnnotationCreateSerializer, request.data)
        with _cited_sources(request, data["sources"]) as links:
            annotation = services.annotation_create(
                article=data["article"],
                author=request.user,
                start=data["start"],
                end=data["end"],
                quote=data["quote"],
                status=data["status"],
                claimant=data["claimant"],
                denied_by=data["denied_by"],
                note=data["note"],
                sources=links,
            )
        # Serialized from memory: the author is the requester, nothing is reviewed yet.
        return Response(s.AnnotationSerializer(annotation, context={"links": links}).data, status=201)

    def update(self, request, *args, **kwargs):
        annotation = self.get_object()
        payload = request.data
        if kwargs.get("partial"):
            current = s.AnnotationSerializer(annotation).data
            payload = {key: current[key] for key in ("status", "claimant", "denied_by", "note", "sources")} | dict(
                payload
            )
        data = _valid(s.AnnotationUpdateSerializer, payload)
        with _cited_sources(request, data["sources"]) as links:
            annotation = services.annotation_update(
                annotation=annotation,
                actor=request.user,
                version=data["version"],
                status=data["status"],
                claimant=data["claimant"],
                denied_by=data["denied_by"],
                note=data["note"],
                sources=links,
            )
        return Response(self._fresh(annotation))

    def destroy(self, request, *args, **kwargs):
        version = request.query_params.get("version")
        if version is not None and not version.isdigit():
            raise serializers.ValidationError({"version": ["A valid integer is required."]})
        services.annotation_delete(
            annotation=self.get_object(), actor=request.user, version=int(version) if version else None
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _fresh(self, annotation: Annotation) -> dict:
        return s.AnnotationSerializer(self.get_queryset().get(pk=annotation.pk)).data

    @extend_schema(request=s.VersionSerializer, responses={200: s.AnnotationSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        data = _valid(s.VersionSerializer, request.data)
        annotation = services.annotation_submit(annotation=self.get_object(), actor=request.user, **data)
        return Response(self._fresh(annotation))

    @extend_schema(request=s.ApproveSerializer, responses={200: s.AnnotationSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        data = _valid(s.ApproveSerializer, request.data)
        annotation = services.annotation_approve(
            annotation=self.get_object(),
            editor=request.user,
            version=data["version"],
            status=data.get("status"),
            comment=data["comment"],
        )
        return Response(self._fresh(annotation))

    @extend_schema(request=s.CommentSerializer, responses={200: s.AnnotationSerializer})
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, pk=None):
        data = _valid(s.CommentSerializer, request.data)
        annotation = services.annotation_request_changes(annotation=self.get_object(), editor=request.user, **data)
        return Response(self._fresh(annotation))

    @extend_schema(request=s.CommentSerializer, responses={200: s.AnnotationSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        data = _valid(s.CommentSerializer, request.data)
        annotation = services.annotation_reopen(annotation=self.get_object(), editor=request.user, **data)
        return Response(self._fresh(annotation))

    @extend_schema(responses={200: s.EventSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def events(self, request, pk=None):
        events = selectors.annotation_history(annotation=self.get_object())
        return Response(s.EventSerializer(events, many=True).data)


class SourceFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Words in title, publisher or URL")

    class Meta:
        model = Source
        fields = ["q"]

    def search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(title__icontains=word) | queryset.filter(url__icontains=word)
        return queryset


@extend_schema_view(create=extend_schema(responses={200: s.SourceSerializer, 201: s.SourceSerializer}))
class SourceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Sources, stored once per normalised URL. Creating an existing URL returns the stored source (200)."""

    lookup_value_regex = r"\d+"

    serializer_class = s.SourceSerializer
    pagination_class = Pages
    filterset_class = SourceFilter
    queryset = Source.objects.all()

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
    )
    exporter = FORMATS[params["format"]]
    base_url = request.build_absolute_uri("/").rstrip("/")
    response = StreamingHttpResponse(stream(exporter, selection, base_url=base_url), content_type=exporter.CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="factcheck-{params["format"]}.json"'
    return response


@extend_schema(responses={(200, "application/schema+json"): OpenApiTypes.OBJECT})
@api_view(["GET"])
def export_schema(request):
    """The JSON Schema of the native export format."""
    return FileResponse(EXPORT_SCHEMA_PATH.open("rb"), content_type="application/schema+json")
