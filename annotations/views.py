import csv
import json
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget, trigger_client_event

from . import logins, notifications, publishing, records, rendering, roles, selectors, services, workflow
from .anchoring import SpanError, anchor_span
from .diffing import body_diff as diff_of
from .exporters import claimreview
from .exporters.common import Selection
from .forms import (
    SIMILAR_TEXT_LENGTH,
    AnnotationForm,
    ArticleImportForm,
    AssignmentForm,
    LoginUnlockForm,
    ReviewForm,
    SearchForm,
    SearchPage,
    SimilarForm,
    SourceForm,
    search_cursor,
    source_line,
)
from .models import (
    DEFAULT_RELATION,
    STATUS_DETAILS,
    Action,
    Annotation,
    Article,
    ArticleImport,
    Comment,
    ImportState,
    NotificationKind,
    Relation,
    State,
    Status,
    default_relation,
    field_limit,
    status_legend,
)
from .parsing import parse_id, query_number, whole_number
from .reader import span_place
from .replicas import heavy_read

ARTICLES_PER_PAGE = 25
QUEUE_PER_PAGE = 25
PAGE = "annotations/article_detail.html"
FORM = "annotations/annotation_form.html"
LOCKS = "annotations/locked_logins.html"


def _require_reviewer(request: HttpRequest) -> None:
    if not roles.user_is_reviewer(request.user):
        raise PermissionDenied(_("Only reviewers and editors can do this."))


def _require_editor(request: HttpRequest) -> None:
    if not roles.user_is_editor(request.user):
        raise PermissionDenied(_("Only editors can do this."))


def _get_annotation_for_user(request: HttpRequest, pk: int, *, deleted: bool | None = False) -> Annotation:
    """The verdict if this user may see it; 404 otherwise (a hidden draft does not exist for them)."""
    annotation = selectors.annotation_for(viewer=request.user, pk=pk, deleted=deleted)
    if annotation is None:
        raise Http404("No such verdict.")
    return annotation


def _reader_context(
    request: HttpRequest,
    article: Article,
    *,
    only: set[int] | None = None,
    offset: int = 0,
    upto: int | None = None,
    **extra,
) -> dict:
    """The article page (selectors.reader_page) and the choices its forms offer."""
    page = selectors.reader_page(article=article, viewer=request.user, only=only, offset=offset, upto=upto)
    context = {
        "article": article,
        "annotations": page.annotations,
        "window": page.window,
        "paragraphs": page.paragraphs,
        "counts": page.counts,
        "state_counts": page.state_counts,
        "review_complete": page.review_complete,
        "published": page.published,
        "can_annotate": roles.user_is_reviewer(request.user),
        "is_editor": roles.user_is_editor(request.user),
        "status_legend": status_legend(),
        "statuses": Status.choices,
        "relations": Relation.choices,
        "orphans_here": selectors.orphan_count(viewer=request.user, article=article) if article.version > 1 else 0,
    }
    return context | extra


@heavy_read
def article_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    review = request.GET.get("review", "")
    assigned = request.GET.get("assigned", "").strip()
    members = selectors.desk_members()
    assignee = request.user if assigned == "me" else members.filter(username=assigned).first() if assigned else None
    articles = selectors.article_list(viewer=request.user, search=search, review=review, assigned_to=assignee)
    if assigned and assignee is None:
        articles = articles.none()
    page = Paginator(articles, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    template = "annotations/article_list.html"
    if request.htmx and request.htmx.target == "article-table":
        template += "#article-table"
    context = {
        "page": page,
        "search": search,
        "review": review if review in {"complete", "open"} else "",
        "assigned": assigned,
        "members": members if roles.user_is_editor(request.user) else [],
        "mine": selectors.assigned_to(user=request.user) if not request.htmx else [],
        "today": timezone.localdate(),
        "can_import": roles.user_is_reviewer(request.user),
    }
    return render(request, template, context)


def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    extra = _assignments_context(request, article)
    if roles.user_is_editor(request.user):  # the restore list
        extra["deleted"] = selectors.deleted_annotations(article=article, viewer=request.user)
    return render(request, PAGE, _reader_context(request, article, **extra))


def _assignments_context(request: HttpRequest, article: Article, form: AssignmentForm | None = None) -> dict:
    """Who is assigned to the article; for editors, the form to assign and the desk's members."""
    context = {"assignments": selectors.article_assignments(article=article), "today": timezone.localdate()}
    if roles.user_is_editor(request.user):
        context |= {"assign_form": form or AssignmentForm(), "members": selectors.desk_members()}
    return context


def _assignments_response(request: HttpRequest, article: Article, form: AssignmentForm, status: int = 200):
    if request.htmx:
        context = {"article": article, **_assignments_context(request, article, form)}
        return render(request, f"{PAGE}#assignments", context, status=status)
    if status == 200:
        return redirect(f"{article.get_absolute_url()}#assignments")
    extra = _assignments_context(request, article, form)
    return render(request, PAGE, _reader_context(request, article, **extra), status=status)


@require_POST
def article_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """An editor assigns the article to a reviewer (services.assignment_create); a refusal shows at
    its field, nothing stored."""
    article = get_object_or_404(Article, pk=pk)
    _require_editor(request)
    form = AssignmentForm(request.POST)
    if form.is_valid():
        try:
            data = form.cleaned_data
            services.assignment_create(
                article=article, editor=request.user, username=data["reviewer"], due=data["due"], note=data["note"]
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    form.add_error(field, message)
    if form.errors:
        return _assignments_response(request, article, form, status=400)
    return _assignments_response(request, article, AssignmentForm())


@require_POST
def article_unassign(request: HttpRequest, pk: int, username: str) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    _require_editor(request)
    form = AssignmentForm()
    try:
        services.assignment_remove(article=article, username=username, editor=request.user)
    except ValidationError as error:
        form = AssignmentForm(data={"reviewer": username})
        form.is_valid()
        form.add_error(None, error.messages[0])
        return _assignments_response(request, article, form, status=400)
    return _assignments_response(request, article, form)


@require_http_methods(["GET", "POST"])
def article_create(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request)
    form = ArticleImportForm(request.POST or None, request.FILES or None)
    duplicate_of = None
    if request.method == "POST" and form.is_valid():
        try:
            stored = services.article_import_or_fetch(imported_by=request.user, **form.cleaned_data_for_import())
        except ValidationError as exc:
            form.add_service_errors(exc)
            duplicate_of = _duplicate_of(exc)
        else:
            if isinstance(stored, ArticleImport):  # a long text: segmented in the background
                return redirect(stored)
            count = stored.sentences.count()
            messages.success(
                request,
                ngettext(
                    "Imported “%(title)s”: %(count)s sentence.", "Imported “%(title)s”: %(count)s sentences.", count
                )
                % {"title": stored.title, "count": count},
            )
            return redirect(stored)
    return render(request, "annotations/article_create.html", {"form": form, "duplicate_of": duplicate_of})


@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A background import's progress; htmx asks for it again every second until it is finished,
    then goes to the article when the import was of one."""
    job = get_object_or_404(selectors.visible_imports(viewer=request.user), pk=pk)
    articles = (
        list(Article.objects.filter(pk__in=job.article_ids).only("id", "title", "language")) if job.finished else []
    )
    order = {pk: place for place, pk in enumerate(job.article_ids)}
    articles.sort(key=lambda article: order[article.pk])
    context = {"job": job, "articles": articles, "percent": 100 * job.done // job.total if job.total else 100}
    if request.htmx:
        response = render(request, "annotations/import_detail.html#progress", context)
        if job.state == ImportState.DONE and job.total == 1 and len(articles) == 1:
            messages.success(request, _("Imported “%(title)s”.") % {"title": articles[0].title})
            response["HX-Redirect"] = articles[0].get_absolute_url()
        return response
    return render(request, "annotations/import_detail.html", context)


def _duplicate_of(error: ValidationError) -> Article | None:
    """The stored article an import refused as a duplicate of, to link to it."""
    for item in getattr(error, "error_dict", {}).get("body", []):
        if item.code == "duplicate":
            return Article.objects.filter(pk=item.params["pk"]).first()
    return None


def _editor_response(request, article, form, *, annotation=None, status=200) -> HttpResponse:
    """The verdict form: the panel partial for htmx, else the whole page with the form open.
    A refused form (status >= 400) comes back with everything typed and its errors in place."""
    start, end = (whole_number(form[name].value()) for name in ("start", "end"))
    if annotation is not None:
        start, end = annotation.start, annotation.end
    # Checked before asks about the verdict being edited (its quote; it and its article left out),
    # or about the text just selected; a refused form keeps the reviewer's "Same claim" choice.
    if annotation is not None:
        ask = {"annotation": annotation.pk, "article": article.pk}
    else:
        ask = {"text": (form["quote"].value() or "")[:SIMILAR_TEXT_LENGTH], "article": article.pk}
    if form.data.get("same_claim_as"):
        ask["same_claim_as"] = form.data["same_claim_as"]
    extra = {
        "form": form,
        "editing": annotation,
        "similar_query": urlencode(ask, quote_via=quote),
        "claimants": selectors.claimant_suggestions(viewer=request.user),
        "place": span_place(selectors.span_sentences(article, start, end), start, end) if end else "",
        "can_submit": annotation is None or Action.SUBMIT in roles.annotation_actions(request.user, annotation),
        "default_relations": DEFAULT_RELATION,
    }
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
        return HttpResponseBadRequest(_("start and end must be whole numbers."))
    try:  # the same span rules as saving, so the form never opens on a span that cannot be saved
        anchor = anchor_span(article.body, start=start, end=end, quote=article.body[start:end])
    except SpanError as exc:
        return HttpResponseBadRequest(str(exc))
    form = AnnotationForm(initial={"start": anchor.start, "end": anchor.end, "quote": anchor.quote})
    return _editor_response(request, article, form)


SAVED_MESSAGES = {
    False: gettext_lazy("Draft saved. Submit it for review when it is ready."),
    True: gettext_lazy("Saved and submitted for review."),
}


@require_POST
def annotation_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Save a new verdict as a draft, or ("Save and submit") save and submit it in one step."""
    _require_reviewer(request)
    article = get_object_or_404(Article, pk=pk)
    form = AnnotationForm(request.POST)
    if form.is_valid():
        create = services.annotation_create_and_submit if form.then_submit else services.annotation_create
        try:
            annotation = create(article=article, author=request.user, **form.verdict(span=True))
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            return _saved_response(request, annotation, message=str(SAVED_MESSAGES[form.then_submit]))
    return _editor_response(request, article, form, status=400)


@require_http_methods(["GET", "POST"])
def annotation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    annotation = _get_annotation_for_user(request, pk)
    if not roles.can_edit_annotation(request.user, annotation):
        raise PermissionDenied(roles.edit_refusal(request.user, annotation, "edit"))
    if request.method == "GET":
        links = annotation.source_links.select_related("source")
        form = AnnotationForm(initial=_initial(annotation), editing=True)
        form.source_rows = [source_line(link.source, link.relation, link.pinpoint) for link in links]
        return _editor_response(request, annotation.article, form, annotation=annotation)
    form = AnnotationForm(request.POST, editing=True)
    status = 400
    if form.is_valid():
        update = services.annotation_update_and_submit if form.then_submit else services.annotation_update
        try:
            saved = update(annotation=annotation, actor=request.user, version=form.based_on_version, **form.verdict())
        except ValidationError as exc:
            form.add_service_errors(exc)
        except PermissionDenied as exc:  # the verdict moved on meanwhile; keep what was typed
            form.add_error(None, str(exc))
            status = 403
        except services.VersionConflict as conflict:
            form.add_error(None, conflict.message)
            return _editor_response(request, annotation.article, form, annotation=conflict.annotation, status=409)
        else:
            message = _("Saved and submitted for review.") if form.then_submit else _("Verdict updated.")
            return _saved_response(request, saved, message=message)
    return _editor_response(request, annotation.article, form, annotation=annotation, status=status)


def _initial(annotation: Annotation) -> dict:
    fields = ["start", "end", "quote", "version", "status", "note", "claimant", "claimant_type", "claim_date"]
    fields += ["denied_by"]
    return {name: getattr(annotation, name) for name in fields}


@require_POST
def annotation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    annotation = _get_annotation_for_user(request, pk)
    annotation = services.annotation_delete(annotation=annotation, actor=request.user)
    return _saved_response(request, annotation, message=_("Verdict deleted."), undo=annotation)


@require_POST
def annotation_restore(request: HttpRequest, pk: int) -> HttpResponse:
    annotation = _get_annotation_for_user(request, pk, deleted=None)
    try:
        annotation = services.annotation_restore(annotation=annotation, actor=request.user)
    except services.StateConflict as conflict:
        if request.htmx:
            return render(request, "annotations/refusal.html", {"message": str(conflict)}, status=409)
        return render(request, "409.html", {"message": str(conflict), "article": annotation.article}, status=409)
    return _saved_response(request, annotation, message=_("Verdict restored."))


TRANSITION_MESSAGES = {
    Action.SUBMIT: gettext_lazy("Submitted for review."),
    Action.APPROVE: gettext_lazy("Approved."),
    Action.REQUEST_CHANGES: gettext_lazy("Returned to the author for changes."),
    Action.REOPEN: gettext_lazy("Reopened: it is back in the review queue."),
}
# Where a review form was sent from (its `from` field): the queue and /mine/ answer with their item.
ORIGINS = {"queue": "annotations:review-queue", "mine": "annotations:my-verdicts"}


@require_POST
def annotation_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Submit, approve, request changes or reopen, from the article page, the queue or /mine/."""
    annotation = _get_annotation_for_user(request, pk)
    form = ReviewForm(request.POST)
    origin = request.POST.get("from") if request.POST.get("from") in ORIGINS else None
    if not form.is_valid():
        return _review_error(request, annotation, form, action, form.errors, origin=origin)
    data = form.cleaned_data
    try:
        annotation = services.annotation_transition(
            annotation=annotation,
            actor=request.user,
            action=action,
            version=data["version"],
            status=data["status"] or None,
            comment=data["comment"],
        )
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return _review_error(request, annotation, form, action, errors, origin=origin)
    except PermissionDenied as exc:
        return _review_error(request, annotation, form, action, {"__all__": [str(exc)]}, origin=origin, status=403)
    except services.VersionConflict as conflict:
        errors = {"__all__": [conflict.message]}
        return _review_error(request, conflict.annotation, form, action, errors, origin=origin, status=409)
    if origin is None:
        return _saved_response(request, annotation, message=str(TRANSITION_MESSAGES[action]))
    if not request.htmx:
        messages.success(request, str(TRANSITION_MESSAGES[action]))
        return redirect(ORIGINS[origin])
    context = {"item": annotation, "done": str(TRANSITION_MESSAGES[action])}
    if origin == "mine":
        return render(request, "annotations/my_verdicts.html#mine-item", context)
    context["waiting"] = selectors.waiting_count(viewer=request.user)
    response = render(request, "annotations/review_queue.html#queue-item", context)
    return trigger_client_event(response, "queue-item-done", {"id": annotation.pk})


def _review_error(request, annotation, form, action, errors, *, origin, status=400) -> HttpResponse:
    """The card (or queue or /mine/ item) again, with its current state and why the action was refused.
    When the editor may still make that move, their form comes back with what they typed and each
    message next to its field (`review_input`); other refusals are told at the top of the item."""
    message = " ".join(text for texts in errors.values() for text in texts)
    if not request.htmx:
        messages.error(request, message)
        return redirect(ORIGINS[origin] if origin else annotation.article)
    item, context = _item_and_context(request, annotation, origin=origin)
    if workflow.TRANSITIONS[action].by_editor and action in item.actions:
        item.review_input = form.typed(errors)
    else:
        context["card_error" if origin is None else "error"] = message
    if origin == "mine":
        return render(request, "annotations/my_verdicts.html#mine-item", context, status=status)
    if origin == "queue":
        return render(request, "annotations/review_queue.html#queue-item", context, status=status)
    response = render(request, f"{PAGE}#verdict-card", context, status=status)
    return reswap(retarget(response, f"#annotation-{item.pk}"), "outerHTML")


def _item_and_context(request, annotation: Annotation, *, origin: str | None) -> tuple[Annotation, dict]:
    """A verdict as its queue or /mine/ item (origin) or its card shows it now, with its actions."""
    if origin is not None:
        item = selectors.queue_item(viewer=request.user, pk=annotation.pk)
        context = {"item": item, "statuses": Status.choices, "waiting": selectors.waiting_count(viewer=request.user)}
    else:
        context = _reader_context(request, annotation.article, upto=annotation.pk)
        item = context["annotation"] = next((a for a in context["window"].cards if a.pk == annotation.pk), None)
    if item is None:
        raise Http404("No such verdict.")
    return item, context


def _saved_response(request, annotation: Annotation, *, message: str, undo: Annotation | None = None) -> HttpResponse:
    """After a write: htmx gets the closed editor plus out-of-band swaps of the
    touched paragraphs, the verdict list and the counts; others a redirect."""
    article = annotation.article
    if not request.htmx:
        messages.success(request, message)
        return redirect(f"{article.get_absolute_url()}#annotation-{annotation.pk}")
    touched = selectors.paragraph_indexes_for(article, annotation)
    context = _reader_context(request, article, only=touched, upto=annotation.pk) | {
        "message": message,
        "undo": undo,
        "saved": annotation,
    }
    response = render(request, "annotations/annotation_saved.html", context)
    return trigger_client_event(response, "verdict-saved", {"id": annotation.pk, "start": annotation.start})


@require_GET
def verdict_cards(request: HttpRequest, pk: int) -> HttpResponse:
    """More verdict cards for the panel: from `offset`, or on to the card of annotation `upto`."""
    article = get_object_or_404(Article, pk=pk)
    offset = query_number(request.GET, "offset") or 0
    upto = query_number(request.GET, "upto", minimum=1)
    context = _reader_context(request, article, only=None if not request.htmx else set(), offset=offset, upto=upto)
    return render(request, f"{PAGE}#verdict-cards" if request.htmx else PAGE, context)


@require_GET
def annotation_history(request: HttpRequest, pk: int) -> HttpResponse:
    annotation = _get_annotation_for_user(request, pk)
    events = selectors.annotation_history(annotation=annotation)
    template = "annotations/annotation_history.html"
    if request.htmx:
        template += "#timeline"
    return render(request, template, {"annotation": annotation, "events": events})


DISCUSSION = "annotations/annotation_discussion.html"


def _discussion_response(
    request: HttpRequest, annotation: Annotation, *, typed: str = "", error: str = "", editing=None, status: int = 200
) -> HttpResponse:
    """A verdict's discussion: the thread with its comment form, for htmx (the card's Discussion
    section, swapped whole) or as its own page. `editing`: the comment whose edit form is open,
    with `typed` in it; otherwise `typed` stays in the new comment's box; `error` goes under the box."""
    context = {
        "annotation": annotation,
        "items": selectors.annotation_thread(annotation=annotation, viewer=request.user),
        "typed": typed,
        "error": error,
        "editing": editing,
        "body_limit": field_limit(Comment, "body"),
    }
    return render(request, f"{DISCUSSION}#thread" if request.htmx else DISCUSSION, context, status=status)


def _discussable(request: HttpRequest, pk: int) -> Annotation:
    """The verdict if this user may see it (404) and discuss it (403)."""
    annotation = _get_annotation_for_user(request, pk)
    if not roles.can_discuss(request.user, annotation):
        raise PermissionDenied(roles.DISCUSS_REFUSAL)
    return annotation


def _comment_for_user(request: HttpRequest, pk: int) -> Comment:
    comment = selectors.comment_for(viewer=request.user, pk=pk)
    if comment is None:
        raise Http404("No such comment.")
    if not roles.can_discuss(request.user, comment.annotation):
        raise PermissionDenied(roles.DISCUSS_REFUSAL)
    return comment


def _comment_write(request: HttpRequest, annotation: Annotation, write, *, editing=None) -> HttpResponse:
    """Run one comment service; a refusal comes back in place with what was typed, its message at
    the field; success: the thread again (the page: redirect to it)."""
    typed = request.POST.get("body", "")
    try:
        write()
    except ValidationError as error:
        message = " ".join(error.message_dict.get("body", error.messages))
        return _discussion_response(request, annotation, typed=typed, error=message, editing=editing, status=400)
    except PermissionDenied as refusal:
        return _discussion_response(request, annotation, typed=typed, error=str(refusal), editing=editing, status=403)
    if not request.htmx:
        return redirect("annotations:annotation-discussion", annotation.pk)
    return _discussion_response(request, annotation)


@require_http_methods(["GET", "POST"])
def annotation_discussion(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: a verdict's discussion; POST `body`: a new comment (services.comment_create)."""
    annotation = _discussable(request, pk)
    if request.method == "GET":
        return _discussion_response(request, annotation)
    body = request.POST.get("body", "")
    return _comment_write(
        request, annotation, lambda: services.comment_create(annotation=annotation, author=request.user, body=body)
    )


@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the thread with this comment's edit form open; POST `body`: services.comment_edit."""
    comment = _comment_for_user(request, pk)
    if request.method == "GET":
        return _discussion_response(request, comment.annotation, typed=comment.body, editing=comment.pk)
    body = request.POST.get("body", "")
    return _comment_write(
        request,
        comment.annotation,
        lambda: services.comment_edit(comment=comment, actor=request.user, body=body),
        editing=comment.pk,
    )


@require_POST
def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """services.comment_delete: "deleted by X" stays in the thread."""
    comment = _comment_for_user(request, pk)
    return _comment_write(
        request, comment.annotation, lambda: services.comment_delete(comment=comment, actor=request.user)
    )


@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    filters = {
        "article_id": query_number(request.GET, "article", minimum=1),
        "status": request.GET.get("status", ""),
        "author_id": query_number(request.GET, "reviewer", minimum=1),
    }
    queue = selectors.review_queue(viewer=request.user, **filters)
    page = Paginator(queue, QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    selectors.with_actions(selectors.with_sentence_context(page.object_list), viewer=request.user)
    context = {
        "page": page,
        "filters": filters,
        "articles": Article.objects.filter(annotations__state=State.SUBMITTED).distinct().only("id", "title"),
        "reviewers": get_user_model()
        .objects.filter(annotations__state=State.SUBMITTED)
        .distinct()
        .order_by("username"),
        "statuses": Status.choices,
        "waiting": page.paginator.count,
    }
    template = "annotations/review_queue.html"
    if request.htmx and request.htmx.target == "queue":
        template += "#queue"
    return render(request, template, context)


@require_GET
def my_verdicts(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request)
    groups = selectors.my_annotations(user=request.user)
    sections = [
        (
            "changes_requested",
            pgettext("my verdicts, heading", "Returned for changes"),
            _("An editor asked for changes. Edit and resubmit."),
        ),
        ("draft", _("Drafts"), _("Only you and the editors can see these. Submit them when ready.")),
        ("submitted", _("Waiting for review"), _("In the editors' queue.")),
        ("approved", pgettext("my verdicts, heading", "Approved"), _("Reviewed and approved by an editor.")),
    ]
    context = {"sections": [(key, title, help_text, groups[key]) for key, title, help_text in sections]}
    return render(request, "annotations/my_verdicts.html", context)


CLAIM = "annotations/claim_detail.html"


def _get_claim_for_user(request: HttpRequest, pk: int):
    """The claim if this user may see one of its appearances; 404 otherwise."""
    claim = selectors.claim_for(viewer=request.user, pk=pk)
    if claim is None:
        raise Http404("No such claim.")
    return claim


@require_GET
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A claim: every appearance the viewer may see, oldest check first, with Remove where they may edit."""
    claim = _get_claim_for_user(request, pk)
    context = {"claim": claim, "appearances": selectors.claim_appearances(viewer=request.user, claim=claim)}
    return render(request, f"{CLAIM}#appearances" if request.htmx else CLAIM, context)


@require_POST
def claim_remove(request: HttpRequest, pk: int, annotation_pk: int) -> HttpResponse:
    """Take one verdict out of the claim (services.claim_remove); the list again, saying so (or why not)."""
    claim = _get_claim_for_user(request, pk)
    annotation = _get_annotation_for_user(request, annotation_pk)
    status, message, error = 200, _("Verdict #%(id)s is no longer part of this claim.") % {"id": annotation.pk}, ""
    try:
        services.claim_remove(claim=claim, annotation=annotation, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        status, message = (403 if isinstance(exc, PermissionDenied) else 400), ""
        error = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    shown = selectors.claim_for(viewer=request.user, pk=pk)
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or message)
        return redirect(shown or annotation.article)
    if shown is None:  # its last appearance this user may see is gone: back to the verdict's article
        return HttpResponseClientRedirect(annotation.article.get_absolute_url())
    context = {"claim": shown, "appearances": selectors.claim_appearances(viewer=request.user, claim=shown)}
    return render(request, f"{CLAIM}#appearances", context | {"message": message, "error": error}, status=status)


@require_GET
@heavy_read
def desk_search(request: HttpRequest) -> HttpResponse:
    """Search across the desk: the page, and its results for htmx as the words are typed (the same
    form and selector as GET /api/v1/search/). A bad filter answers 400 with the form's messages."""
    form = SearchForm(request.GET)
    page = form.search(viewer=request.user) if form.is_valid() else SearchPage([], None, None)
    template = "annotations/search.html"
    if request.htmx and request.htmx.target == "search-results":
        template += "#search-results"

    def query(offset: int | None) -> str | None:
        if offset is None:
            return None
        params = request.GET.copy()
        params.pop("cursor", None)
        if offset:
            params["cursor"] = search_cursor(offset)
        return params.urlencode()

    article = form.cleaned_data.get("article") if form.is_valid() else None
    context = {
        "form": form,
        "results": page.results,
        "previous": query(page.previous),
        "next": query(page.next),
        "reviewers": selectors.desk_members(),
        "in_article": selectors.article_by_id(article) if article else None,
    }
    return render(request, template, context, status=200 if form.is_valid() else 400)


@require_GET
def similar_verdicts(request: HttpRequest) -> HttpResponse:
    """Checked before: earlier verdicts on claims like the one selected (the same form and selector
    as GET /api/v1/similar/). The verdict form loads it into itself (htmx), with a "Same claim"
    choice and "Copy its sources" on each; without htmx, a page of its own."""
    _require_reviewer(request)
    form = SimilarForm(request.GET)
    claim = form.claim(viewer=request.user) if form.is_valid() else None
    if form.is_valid() and claim is None:
        raise Http404("No such verdict.")
    found = selectors.similar_verdicts(viewer=request.user, **claim) if claim else []
    template = "annotations/similar_verdicts.html"
    if request.htmx:
        template += "#checked-before"
    # A form sent back refused keeps the reviewer's "Same claim" choice.
    chosen = parse_id(request.GET.get("same_claim_as", ""))
    context = {
        "form": form,
        "found": found,
        # Asked about a verdict (its edit form): those already in its claim say so instead of offering the choice.
        "claim_of": form.named.claim_id if form.named is not None else None,
        "in_form": bool(request.htmx),
        "chosen": chosen,
        "chosen_found": any(annotation.pk == chosen for annotation, _ in found),
    }
    return render(request, template, context, status=200 if form.is_valid() else 400)


@require_GET
def annotation_source_rows(request: HttpRequest, pk: int) -> HttpResponse:
    """An earlier verdict's sources as lines of the verdict form ("Copy its sources"), with its
    relations and pinpoints, leaving out those the form lists already (`source_id`, sent along).
    None new: 204, nothing to add. Either way the `sources-copied` event says how many were added."""
    _require_reviewer(request)
    annotation = _get_annotation_for_user(request, pk)
    listed = {parse_id(value) for value in request.GET.getlist("source_id")}
    links = annotation.source_links.select_related("source").order_by("position", "id")
    rows = [source_line(link.source, link.relation, link.pinpoint) for link in links if link.source_id not in listed]
    event = {"id": annotation.pk, "added": len(rows)}
    if not rows:
        return trigger_client_event(HttpResponse(status=204), "sources-copied", event)
    response = render(request, f"{FORM}#copied-source-rows", {"rows": rows, "relations": Relation.choices})
    return trigger_client_event(response, "sources-copied", event)


@require_GET
def source_search(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request)
    query = request.GET.get("q", "").strip()
    results = selectors.source_search(viewer=request.user, query=query)
    return render(request, f"{FORM}#source-results", {"results": results, "query": query})


@require_GET
def source_row(request: HttpRequest, pk: int) -> HttpResponse:
    """One source line for the verdict form (the "add" button of a search result), its relation
    the default for the verdict's status (`status`, sent along by the form)."""
    _require_reviewer(request)
    source = get_object_or_404(selectors.visible_sources(viewer=request.user), pk=pk)
    row = source_line(source, default_relation(request.GET.get("status", "")))
    return render(request, f"{FORM}#source-row", {"row": row, "relations": Relation.choices})


@require_POST
def source_create(request: HttpRequest) -> HttpResponse:
    """Add a source to the verdict form: the stored one with that URL, or a new one that is stored
    only when the verdict citing it is saved (services.source_check). Returns its line (relation:
    the default for the form's status), or the box with errors."""
    _require_reviewer(request)
    form = SourceForm(request.POST)
    if form.is_valid():
        try:
            source = services.source_check(**form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            row = source_line(source, default_relation(request.POST.get("status", "")))
            response = render(request, f"{FORM}#source-row", {"row": row, "relations": Relation.choices})
            return reswap(retarget(response, "#source-rows"), "beforeend")
    return render(request, f"{FORM}#source-new", {"source_form": form}, status=400)


def _require_unlocker(request: HttpRequest) -> None:
    if not roles.can_unlock_logins(request.user):
        raise PermissionDenied(roles.UNLOCK_REFUSAL)


@require_GET
def locked_logins(request: HttpRequest) -> HttpResponse:
    """The log-ins django-axes refuses now, each with an Unlock button (editors)."""
    _require_unlocker(request)
    wait = logins.lockout_wait(request)
    context = {
        "locks": selectors.login_locks(),
        "limit": settings.FACTCHECK_LOGIN_FAILURE_LIMIT,
        "limit_per_address": settings.FACTCHECK_LOGIN_FAILURE_LIMIT_PER_ADDRESS,
        "wait_minutes": round(wait.total_seconds() / 60) if wait else None,
    }
    return render(request, LOCKS, context)


@require_POST
def login_unlock(request: HttpRequest) -> HttpResponse:
    """Lift one lock (services.login_unlock). htmx gets, in the row's place, what happened (focused:
    `autofocus`) and the count; others a redirect to the list with that message."""
    _require_unlocker(request)
    form = LoginUnlockForm(request.POST)
    if not form.is_valid():
        return _unlock_answer(request, _("This lock could not be read: reload the page and try again."), status=400)
    username, address = form.cleaned_data["username"] or None, form.cleaned_data["address"]
    removed = services.login_unlock(editor=request.user, address=address, username=username)
    if removed:
        if username:
            message = _("Unlocked: %(username)s can log in again from %(address)s.")
        else:
            message = _("Unlocked: every account can log in again from %(address)s.")
    elif username:
        message = _("No lock to lift for %(username)s at %(address)s: it had ended or someone lifted it.")
    else:
        message = _("No lock to lift for every account at %(address)s: it had ended or someone lifted it.")
    return _unlock_answer(request, message % {"username": username, "address": address})


def _unlock_answer(request: HttpRequest, message: str, *, status: int = 200) -> HttpResponse:
    if not request.htmx:
        (messages.success if status == 200 else messages.error)(request, message)
        return redirect("annotations:locked-logins")
    context = {"done": message, "error": status != 200, "locks": selectors.login_locks()}
    return render(request, f"{LOCKS}#lock-done", context, status=status)


@require_http_methods(["GET", "POST"])
def source_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """A source's archive: its latest snapshot's text and metadata, or why it could not be archived.
    POST: an editor's "Archive again" (services.source_archive_request), then back here."""
    found = selectors.source_archive(viewer=request.user, pk=pk)
    if found is None:
        raise Http404("No such source.")
    source, snapshot = found
    if request.method == "POST":
        services.source_archive_request(source=source, editor=request.user)
        messages.success(request, _("The page will be fetched and archived again in a moment."))
        return redirect("annotations:source-archive", pk=source.pk)
    context = {"source": source, "snapshot": snapshot, "can_archive": roles.user_is_editor(request.user)}
    return render(request, "annotations/source_archive.html", context)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403: the reason in place for htmx requests, the whole page otherwise."""
    message = str(exception) if exception and str(exception) else _("You do not have permission to do this.")
    if getattr(request, "htmx", False):
        return render(request, "annotations/refusal.html", {"message": message}, status=403)
    return render(request, "403.html", {"exception": message}, status=403)


def login_locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """A log-in refused by django-axes (AXES_LOCKOUT_CALLABLE): 429 with the reason and how long to wait."""
    wait = logins.lockout_wait(request)
    page = render(request, "registration/login_locked_out.html", {"message": logins.lockout_message(wait)}, status=429)
    if wait:
        page["Retry-After"] = str(int(wait.total_seconds()))
    return page


@login_not_required
@require_GET
@heavy_read
def factcheck_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The public page of an article's approved verdicts, with schema.org ClaimReview for search engines."""
    article = get_object_or_404(Article, pk=pk)
    base_url = request.build_absolute_uri("/").rstrip("/")
    published = list(claimreview.published_verdicts(Selection(article_id=article.pk)))
    reviews = [
        claimreview.claim_review(verdict, fields, base_url=base_url, appearances=appearances)
        for fields, verdict, appearances in published
    ]
    graph = {"@context": "https://schema.org", "@graph": reviews}
    relations = dict(Relation.choices)
    verdicts = []
    for _fields, verdict, _appearances in published:
        first, latest = claimreview.approval_times(verdict)
        verdicts.append(
            {
                "verdict": verdict,
                "rating": _rating_text(verdict),
                "icon": STATUS_DETAILS[Status(verdict["status"])][0],
                "sources": [
                    source | {"relation_label": relations[source["relation"]]} for source in verdict["sources"]
                ],
                "approved": parse_datetime(first) if first else None,
                "updated": parse_datetime(latest) if latest and latest != first else None,
            }
        )
    context = {
        "article": article,
        "verdicts": verdicts,
        "json_ld": escape_json_for_script(graph),
        "canonical": request.build_absolute_uri(reverse("annotations:factcheck-page", args=[article.pk])),
        "summary": _public_summary(verdicts),
        "show_reviewers": settings.FACTCHECK_PUBLIC_SHOW_REVIEWERS,
        "organization": settings.FACTCHECK_ORGANIZATION_NAME,
    }
    return render(request, "annotations/factcheck_page.html", context)


def _rating_text(verdict: dict) -> str:
    """claimreview.rating_name in the reader's language: the ClaimReview itself stays English."""
    if verdict["status"] == Status.ALLEGED:
        return _("Alleged – not independently verified")
    if verdict["status"] == Status.DENIED:
        return _("Disputed – denied by %(denied_by)s") % {"denied_by": verdict["denied_by"]}
    if verdict["status"] == Status.UNVERIFIED:
        return _("Unverified")
    return _("Supported by evidence")


def _public_summary(verdicts: list[dict]) -> str:
    """The page's description for link previews: how many approved verdicts, and their ratings."""
    if not verdicts:
        return _("No verdict on this article has been approved yet.")
    ratings = "; ".join(dict.fromkeys(item["rating"] for item in verdicts))
    count = len(verdicts)
    return ngettext(
        "%(count)s approved fact-check: %(ratings)s.", "%(count)s approved fact-checks: %(ratings)s.", count
    ) % {"count": count, "ratings": ratings}


@login_not_required
@require_GET
def factcheck_index(request: HttpRequest) -> HttpResponse:
    """The public index: articles with approved verdicts, the most recently approved first."""
    page = Paginator(selectors.published_articles(), settings.FACTCHECK_PUBLIC_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "canonical": request.build_absolute_uri(reverse("annotations:factcheck-index")),
        "organization": settings.FACTCHECK_ORGANIZATION_NAME,
    }
    return render(request, "annotations/factcheck_index.html", context)


@login_not_required
@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    """robots.txt: the public pages open to crawlers, the desk's closed (publishing.robots_txt)."""
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    return HttpResponse(publishing.robots_txt(sitemap_url=sitemap), content_type="text/plain; charset=utf-8")


def escape_json_for_script(value) -> str:
    """JSON safe inside a <script> element: <, > and & escaped as in Django's json_script."""
    text = json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)
    return mark_safe(text.translate({ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}))  # noqa: S308


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: JSON under /api/, the page otherwise."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


# --- Versions: correct an article, compare two versions, the orphan queue -----------------------

ORPHANS = "annotations/orphan_queue.html"


@require_http_methods(["GET", "POST"])
def article_version_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Paste the corrected text of an article: it becomes the next version (services.article_version_create)."""
    _require_reviewer(request)
    article = get_object_or_404(Article, pk=pk)
    body, errors = article.body, []
    refetch_errors = []
    if request.method == "POST":
        body = request.POST.get("body", article.body)
        try:
            if "refetch" in request.POST:  # "Check for updates": the article's web address, fetched again
                report = services.article_version_refetch(article=article, actor=request.user)
            else:
                report = services.article_version_create(article=article, actor=request.user, body=body)
        except ValidationError as exc:
            if "refetch" in request.POST:
                refetch_errors = exc.message_dict.get("refetch", exc.message_dict.get("body", exc.messages))
            else:
                errors = exc.message_dict.get("body", exc.messages)
        else:
            counts = selectors.version_report(report=report, viewer=request.user)
            messages.success(
                request,
                _(
                    "Version %(version)s stored. Verdicts: %(exact)s found unchanged, "
                    "%(fuzzy)s moved to a close match, %(orphaned)s orphaned."
                )
                % {"version": report.version, **counts},
            )
            return redirect(article)
    context = {"article": article, "body": body, "errors": errors, "refetch_errors": refetch_errors}
    refused = errors or refetch_errors
    return render(request, "annotations/article_version_new.html", context, status=400 if refused else 200)


@require_GET
def article_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """A readable diff of two versions of an article (by default the previous one and the current one)."""
    article = get_object_or_404(Article, pk=pk)
    versions = selectors.article_versions(article=article)
    new = query_number(request.GET, "to", minimum=1) or article.version
    old = query_number(request.GET, "from", minimum=1) or max(1, new - 1)
    old_body = selectors.version_body(article=article, number=old)
    new_body = selectors.version_body(article=article, number=new)
    if old_body is None or new_body is None:
        raise Http404(f"This article has versions 1 to {article.version}.")
    context = {"article": article, "versions": versions, "old": old, "new": new}
    context["diff"] = diff_of(old_body, new_body) if old != new else None
    return render(request, "annotations/article_compare.html", context)


@require_GET
def orphan_queue(request: HttpRequest) -> HttpResponse:
    """Verdicts a correction could not place: their author or an editor re-selects or closes them."""
    _require_reviewer(request)
    return render(request, ORPHANS, {"orphans": selectors.orphan_queue(viewer=request.user)})


@require_POST
def orphan_resolve(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Re-select an orphan's text (`reselect`) or close it with a reason (`close`)."""
    _require_reviewer(request)
    orphan = _get_annotation_for_user(request, pk)
    version = query_number(request.POST, "version", minimum=1) or 0
    try:
        if action == "reselect":
            services.annotation_reselect_passage(
                annotation=orphan, actor=request.user, version=version, passage=request.POST.get("passage", "")
            )
            messages.success(
                request, _("The verdict is placed in version %(version)s.") % {"version": orphan.article.version}
            )
        else:
            services.annotation_orphan_close(
                annotation=orphan, actor=request.user, version=version, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The verdict is closed; an editor can restore it from the article page."))
    except (ValidationError, services.VersionConflict, services.StateConflict) as exc:
        error = exc.messages[0] if isinstance(exc, ValidationError) else str(getattr(exc, "message", exc))
        context = {"orphans": selectors.orphan_queue(viewer=request.user), "error_for": pk, "error": error}
        return render(request, ORPHANS, context, status=400)
    return redirect("annotations:orphan-queue")


@require_GET
@heavy_read
def desk_dashboard(request: HttpRequest) -> HttpResponse:
    """The desk's work for editors (selectors.desk_dashboard), with a chart and a table per figure."""
    _require_editor(request)
    figures = selectors.desk_dashboard()
    states = [(value, label) for value, label in State.choices]
    counts = {(row["state"], row["status"]): row["count"] for row in figures.backlog}
    backlog = [
        {"label": label, "counts": [counts.get((value, status), 0) for status, _ in Status.choices]}
        for value, label in states
    ]
    for row in backlog:
        row["total"] = sum(row["counts"])
    backlog_chart = rendering.bar_chart([row["total"] for row in backlog], width=400, height=140, gap=24)
    for bar, row in zip(backlog_chart["bars"], backlog, strict=True):
        bar["label"] = row["label"]
    context = {
        "figures": figures,
        "days": selectors.DASHBOARD_DAYS,
        "statuses": Status.choices,
        "backlog": backlog,
        "backlog_chart": backlog_chart,
        "approved_chart": rendering.bar_chart([row["count"] for row in figures.approved_per_day]),
        "approved_total": sum(row["count"] for row in figures.approved_per_day),
        "csv_names": list(records.DESK_CSV),
    }
    return render(request, "annotations/desk.html", context)


@require_GET
@heavy_read
def desk_csv(request: HttpRequest, name: str) -> HttpResponse:
    """One of the dashboard's figures as CSV (records.DESK_CSV), for editors."""
    _require_editor(request)
    if name not in records.DESK_CSV:
        raise Http404("No such figure.")
    figures = selectors.desk_dashboard()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="desk-{name}-{figures.today.isoformat()}.csv"'
    writer = csv.writer(response)
    writer.writerow(records.DESK_CSV[name])
    writer.writerows(records.desk_csv_rows(figures, name, selectors.DASHBOARD_DAYS))
    return response


NOTIFICATIONS = "annotations/notifications.html"
NOTIFICATIONS_PER_PAGE = 30


def _notifications_response(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    rows = selectors.notifications_of(user=request.user, unread=unread_only)
    page = Paginator(rows, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    choices = notifications.email_choices(user=request.user)
    context = {
        "page": page,
        "items": [(records.notification_record(row), row) for row in page],
        "unread_only": unread_only,
        "email_choices": [(kind, label, choices[kind]) for kind, label in NotificationKind.choices],
        "has_email": bool(request.user.email),
        "choices_error": error,
    }
    return render(request, NOTIFICATIONS, context, status=status)


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's notifications, newest first (`?unread=1`: only unread), and their e-mail choices."""
    return _notifications_response(request)


@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification: it is marked read and the page opens on its verdict's card."""
    notification = notifications.notification_open(user=request.user, pk=pk)
    if notification is None:
        raise Http404("No such notification.")
    return redirect(records.notification_target(notification))


@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    """Mark read: every unread notification (`all`), or the `id`s given."""
    if request.POST.get("all"):
        marked = notifications.notifications_read(user=request.user, everything=True)
    else:
        ids = [whole_number(value) for value in request.POST.getlist("id")]
        try:
            marked = notifications.notifications_read(user=request.user, ids=ids)
        except ValidationError as error:
            return HttpResponseBadRequest(" ".join(error.message_dict["ids"]))
    messages.success(
        request,
        ngettext("Marked %(count)s notification as read.", "Marked %(count)s notifications as read.", marked)
        % {"count": marked},
    )
    return redirect("annotations:notification-list")


@require_POST
def notification_email_choices(request: HttpRequest) -> HttpResponse:
    """Keep which kinds of notification the user wants by e-mail (the checked `email` boxes)."""
    try:
        notifications.email_choices_set(user=request.user, wanted=set(request.POST.getlist("email")))
    except ValidationError as error:
        return _notifications_response(request, error=" ".join(error.message_dict["kinds"]), status=400)
    messages.success(request, _("Your e-mail choices are saved."))
    return redirect(f"{reverse('annotations:notification-list')}#email-choices")
