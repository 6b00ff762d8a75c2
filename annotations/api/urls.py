from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import views

app_name = "api"

router = DefaultRouter()
router.register("articles", views.ArticleViewSet, basename="article")
router.register("imports", views.ImportViewSet, basename="import")
router.register("annotations", views.AnnotationViewSet, basename="annotation")
router.register("sources", views.SourceViewSet, basename="source")
router.register("claims", views.ClaimViewSet, basename="claim")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("export/", views.export, name="export"),
    path("search/", views.search, name="search"),
    path("similar/", views.similar, name="similar"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/read/", views.notification_read, name="notification-read"),
    path("export/schema.json", views.export_schema, name="export-schema"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]

# DRF authenticates API requests itself (session or token), so the site-wide
# LoginRequiredMiddleware must not redirect them to the login page.
for pattern in urlpatterns:
    pattern.callback = login_not_required(pattern.callback)
