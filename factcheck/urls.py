from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.i18n import JavaScriptCatalog

from annotations.forms import LoginForm
from annotations.languages import language_set
from annotations.publishing import SITEMAPS
from annotations.views import robots_txt

# Logging in and out, and changing one's password. No password-reset pages: they send e-mail,
# and none is set up (an administrator sets a new password in /admin/).
accounts = [
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include(accounts)),
    path("api/v1/", include("annotations.api.urls")),
    path("sitemap.xml", login_not_required(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots-txt"),
    path("i18n/setlang/", language_set, name="set_language"),
    # The JavaScript's strings in the page's language (base.html asks for ?l=<language>&v=<version>,
    # so a browser's cached copy never answers for another language, nor outlives a deploy that
    # changed the strings: languages.catalogue_version).
    path(
        "i18n/js/",
        login_not_required(cache_control(max_age=86400)(JavaScriptCatalog.as_view())),
        name="javascript-catalog",
    ),
    path("", include("annotations.urls")),
]

handler403 = "annotations.views.permission_denied"
handler404 = "annotations.views.not_found"
