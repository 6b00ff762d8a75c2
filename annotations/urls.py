from django.contrib.auth.decorators import login_not_required
from django.urls import path, register_converter

from . import views
from .parsing import IdConverter
from .publishing import ApprovedVerdictsFeed

register_converter(IdConverter, "id")

app_name = "annotations"

urlpatterns = [
    path("", views.article_list, name="article-list"),
    path("articles/new/", views.article_create, name="article-create"),
    path("articles/<id:pk>/", views.article_detail, name="article-detail"),
    path("articles/<id:pk>/versions/new/", views.article_version_new, name="article-version-new"),
    path("articles/<id:pk>/compare/", views.article_compare, name="article-compare"),
    path("articles/<id:pk>/assignments/", views.article_assign, name="article-assign"),
    path("articles/<id:pk>/assignments/<str:username>/remove/", views.article_unassign, name="article-unassign"),
    path("orphans/", views.orphan_queue, name="orphan-queue"),
    path("orphans/<id:pk>/reselect/", views.orphan_resolve, {"action": "reselect"}, name="orphan-reselect"),
    path("orphans/<id:pk>/close/", views.orphan_resolve, {"action": "close"}, name="orphan-close"),
    path("imports/<id:pk>/", views.import_detail, name="import-detail"),
    path("articles/<id:pk>/annotations/new/", views.annotation_new, name="annotation-new"),
    path("articles/<id:pk>/annotations/", views.annotation_create, name="annotation-create"),
    path("articles/<id:pk>/verdicts/", views.verdict_cards, name="verdict-cards"),
    path("annotations/<id:pk>/edit/", views.annotation_edit, name="annotation-edit"),
    path("annotations/<id:pk>/delete/", views.annotation_delete, name="annotation-delete"),
    path("annotations/<id:pk>/restore/", views.annotation_restore, name="annotation-restore"),
    path("annotations/<id:pk>/history/", views.annotation_history, name="annotation-history"),
    path("annotations/<id:pk>/discussion/", views.annotation_discussion, name="annotation-discussion"),
    path("comments/<id:pk>/edit/", views.comment_edit, name="comment-edit"),
    path("comments/<id:pk>/delete/", views.comment_delete, name="comment-delete"),
    path("annotations/<id:pk>/submit/", views.annotation_transition, {"action": "submit"}, name="annotation-submit"),
    path("annotations/<id:pk>/approve/", views.annotation_transition, {"action": "approve"}, name="annotation-approve"),
    path(
        "annotations/<id:pk>/request-changes/",
        views.annotation_transition,
        {"action": "request_changes"},
        name="annotation-request-changes",
    ),
    path("annotations/<id:pk>/reopen/", views.annotation_transition, {"action": "reopen"}, name="annotation-reopen"),
    path("claims/<id:pk>/", views.claim_detail, name="claim-detail"),
    path("claims/<id:pk>/annotations/<id:annotation_pk>/remove/", views.claim_remove, name="claim-remove"),
    path("review/", views.review_queue, name="review-queue"),
    path("desk/", views.desk_dashboard, name="desk-dashboard"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/<id:pk>/", views.notification_open, name="notification-open"),
    path("notifications/read/", views.notification_read, name="notification-read"),
    path("notifications/email/", views.notification_email_choices, name="notification-email-choices"),
    path("desk/<slug:name>.csv", views.desk_csv, name="desk-csv"),
    path("factchecks/", views.factcheck_index, name="factcheck-index"),
    path("factchecks/<id:pk>/", views.factcheck_page, name="factcheck-page"),
    path("factchecks/feed/", login_not_required(ApprovedVerdictsFeed()), name="factcheck-feed"),
    path("mine/", views.my_verdicts, name="my-verdicts"),
    path("locked-logins/", views.locked_logins, name="locked-logins"),
    path("locked-logins/unlock/", views.login_unlock, name="login-unlock"),
    path("search/", views.desk_search, name="search"),
    path("similar/", views.similar_verdicts, name="similar-verdicts"),
    path("annotations/<id:pk>/source-rows/", views.annotation_source_rows, name="annotation-source-rows"),
    path("sources/search/", views.source_search, name="source-search"),
    path("sources/new/", views.source_create, name="source-create"),
    path("sources/<id:pk>/row/", views.source_row, name="source-row"),
    path("sources/<id:pk>/archive/", views.source_archive, name="source-archive"),
]
