from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from annotations.forms import LoginForm

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
    path("", include("annotations.urls")),
]

handler403 = "annotations.views.permission_denied"
handler404 = "annotations.views.not_found"
