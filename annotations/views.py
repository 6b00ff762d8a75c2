from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget, trigger_client_event

from . import selectors, services
from .forms import AnnotationForm, ArticleImportForm, SourceForm
from .models import Annotation, Article, Relation, Source, status_legend

ARTICLES_PER_PAGE = 25
PAGE = "annotations/article_detail.html"
FORM = "annotations/annotation_form.html"


def _require_reviewer(request: HttpRequest) -> None:
    if not services.user_is_reviewer(request.user):
        raise PermissionDenied("Only reviewers and editors can do this.")


def _get_annotation(pk: int) -> Annotation:
    return get_object_or_404(Annotation.objects.select_related("article", "author"), pk=pk, deleted_at__isnull=True)


def _reader_context(request: HttpRequest, article: Article, **extra) -> dict:
    """Everything the article page and its partials need, with a fixed number of queries."""
    annotations = selectors.article_annotations(article=article)
    context = {
        "article": article,
        "annotations": annotations,
        "paragraphs": selectors.article_paragraphs(article=article, annotations=annotations),
        "counts": selectors.status_counts(annotations),
        "can_annotate": services.user_is_reviewer(request.user),
        "is_editor": services.user_is_editor(request.user),
        "status_legend": status_legend(),
        "relations": Relation.choices,
    }
    return context | extra


def article_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    page = Paginator(selectors.article_list(search=search), ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    template = "annotations/article_list.html"
    if request.htmx and request.htmx.target == "article-table":
        template += "#article-table"
    context = {"page": page, "search": search, "can_import": services.user_is_reviewer(request.user)}
    return render(request, template, context)


def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    extra = {"deleted": selectors.deleted_annotations(article=article)} if services.user_is_editor(request.user) else {}
    return render(request, PAGE, _reader_context(request, article, **extra))


@require_http_methods(["GET", "POST"])
def article_create(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request)
    form = ArticleImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            article = services.article_import(imported_by=request.user, **form.cleaned_data_for_import())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Imported “{article.title}”: {article.sentences.count()} sentences.")
            return redirect(article)
    return render(request, "annotations/article_create.html", {"form": form})


def _editor_response(request, article, form, *, annotation=None, status=200) -> HttpResponse:
    """The verdict form: the panel partial for htmx, else the whole page with the form open."""
    extra = {"form": form, "editing": annotation, "claimants": selectors.claimant_suggestions()}
    if request.htmx:
        extra |= {"article": article, "relations": Relation.choices, "status_legend": status_legend()}
        return render(request, f"{PAGE}#editor", extra, status=status)
    return render(request, PAGE, _reader_context(request, article, **extra), status=status)


@require_GET
def annotation_new(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reviewer(request)
    article = get_object_or_404(Article, pk=pk)
    try:
        start, end = int(request.GET["start"]), int(request.GET["end"])
    except (KeyError, ValueError):
        return HttpResponseBadRequest("start and end must be whole numbers.")
    if not 0 <= start < end <= len(article.body):
        return HttpResponseBadRequest("The selection is outside the article.")
    form = AnnotationForm(initial={"start": start, "end": end, "quote": article.body[start:end]})
    return _editor_response(request, article, form)


@require_POST
def annotation_create(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reviewer(request)
    article = get_object_or_404(Article, pk=pk)
    form = AnnotationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            annotation = services.annotation_create(
                article=article,
                author=request.user,
                start=data["start"],
                end=data["end"],
                quote=data["quote"],
                status=data["status"],
                note=data["note"],
                claimant=data["claimant"],
                denied_by=data["denied_by"],
                sources=form.source_links(),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            return _saved_response(request, annotation, message="Verdict saved.")
    return _editor_response(request, article, form, status=400)


@require_http_methods(["GET", "POST"])
def annotation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    annotation = _get_annotation(pk)
    if not services.can_edit_annotation(request.user, annotation):
        raise PermissionDenied("Only its author or an editor can edit this verdict.")
    if request.method == "GET":
        links = annotation.source_links.select_related("source")
        form = AnnotationForm(initial=_initial(annotation), editing=True)
        form.source_rows = [{"source": ln.source, "relation": ln.relation, "pinpoint": ln.pinpoint} for ln in links]
        return _editor_response(request, annotation.article, form, annotation=annotation)
    form = AnnotationForm(request.POST, editing=True)
    if form.is_valid():
        data = form.cleaned_data
        try:
            annotation = services.annotation_update(
                annotation=annotation,
                actor=request.user,
                version=data["version"] or 0,
                status=data["status"],
                note=data["note"],
                claimant=data["claimant"],
                denied_by=data["denied_by"],
                sources=form.source_links(),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except services.VersionConflict as conflict:
            form.add_error(None, _conflict_message(conflict.annotation))
        else:
            return _saved_response(request, annotation, message="Verdict updated.")
    return _editor_response(request, annotation.article, form, annotation=annotation, status=400)


def _initial(annotation: Annotation) -> dict:
    fields = ["start", "end", "quote", "version", "status", "note", "claimant", "denied_by"]
    return {name: getattr(annotation, name) for name in fields}


def _conflict_message(current: Annotation) -> str:
    when = current.updated_at.strftime("%H:%M:%S")
    return (
        f"This verdict was changed by {current.author.get_username()} at {when} UTC. Reload to see the current version."
    )


@require_POST
def annotation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    annotation = services.annotation_delete(annotation=_get_annotation(pk), actor=request.user)
    return _saved_response(request, annotation, message="Verdict deleted.", undo=annotation)


@require_POST
def annotation_restore(request: HttpRequest, pk: int) -> HttpResponse:
    annotation = get_object_or_404(Annotation.objects.select_related("article", "author"), pk=pk)
    annotation = services.annotation_restore(annotation=annotation, actor=request.user)
    return _saved_response(request, annotation, message="Verdict restored.")


def _saved_response(request, annotation: Annotation, *, message: str, undo: Annotation | None = None) -> HttpResponse:
    """After a write: htmx gets the closed editor plus out-of-band swaps of the
    touched paragraphs, the verdict list and the counts; others a redirect."""
    article = annotation.article
    if not request.htmx:
        messages.success(request, message)
        return redirect(f"{article.get_absolute_url()}#annotation-{annotation.pk}")
    annotations = selectors.article_annotations(article=article)
    touched = selectors.paragraph_indexes_for(article, annotation)
    context = _reader_context(request, article) | {
        "annotations": annotations,
        "paragraphs": selectors.article_paragraphs(article=article, annotations=annotations, only=touched),
        "message": message,
        "undo": undo,
        "saved": annotation,
    }
    response = render(request, "annotations/annotation_saved.html", context)
    return trigger_client_event(response, "verdict-saved", {"id": annotation.pk, "start": annotation.start})


@require_GET
def source_search(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request)
    query = request.GET.get("q", "").strip()
    results = selectors.source_search(query=query)
    return render(request, f"{FORM}#source-results", {"results": results, "query": query})


@require_GET
def source_row(request: HttpRequest, pk: int) -> HttpResponse:
    """One source line for the verdict form (the "add" button of a search result)."""
    _require_reviewer(request)
    source = get_object_or_404(Source, pk=pk)
    relation = request.GET.get("relation", Relation.SUPPORTS)
    row = {"source": source, "relation": relation if relation in Relation.values else Relation.SUPPORTS, "pinpoint": ""}
    return render(request, f"{FORM}#source-row", {"row": row, "relations": Relation.choices})


@require_POST
def source_create(request: HttpRequest) -> HttpResponse:
    """Add a new source from the verdict form; returns its line, or the box with errors."""
    _require_reviewer(request)
    form = SourceForm(request.POST)
    if form.is_valid():
        try:
            source, _created = services.source_get_or_create(created_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            row = {"source": source, "relation": Relation.SUPPORTS, "pinpoint": ""}
            response = render(request, f"{FORM}#source-row", {"row": row, "relations": Relation.choices})
            return reswap(retarget(response, "#source-rows"), "beforeend")
    return render(request, f"{FORM}#source-new", {"source_form": form}, status=400)
