from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from . import selectors, services
from .forms import ArticleImportForm
from .models import Article, status_legend

ARTICLES_PER_PAGE = 25


def _require_reviewer(request: HttpRequest) -> None:
    if not services.user_is_reviewer(request.user):
        raise PermissionDenied("Only reviewers and editors can do this.")


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
    context = {
        "article": article,
        "paragraphs": selectors.article_paragraphs(article=article),
        "can_annotate": services.user_is_reviewer(request.user),
        "status_legend": status_legend(),
    }
    return render(request, "annotations/article_detail.html", context)


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
