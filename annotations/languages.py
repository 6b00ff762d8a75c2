"""The interface language: which one a request is served in, and the user's choice of it.

Django's LocaleMiddleware picks a language from the switcher's cookie, else the browser's
Accept-Language, else LANGUAGE_CODE. On top of it:
- a signed-in user's own choice (LanguagePreference, set with the header's switcher) wins, on
  every device: it is read once at log-in into the session, so no request pays a query for it;
- the JSON API (/api/) is always English: its keys, status values and messages are a contract
  with programs, not an interface (the exports build their documents in English likewise).
"""

from collections.abc import Callable
from functools import cache
import hashlib
from pathlib import Path

import django
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from .models import LanguagePreference

SESSION_KEY = "factcheck_language"
API_LANGUAGE = "en"


def supported(code: str | None) -> str | None:
    """`code` if it is one of the interface's languages (settings.LANGUAGES), else None."""
    return code if code in dict(settings.LANGUAGES) else None


@cache
def catalogue_version() -> str:
    """A short fingerprint of the JavaScript's translations (our compiled djangojs catalogues and
    Django's version), for the catalogue's URL: the browser keeps the catalogue a day, and a deploy
    with new or changed strings changes the URL instead of waiting for that day to pass."""
    digest = hashlib.sha256(django.get_version().encode())
    for locale in settings.LOCALE_PATHS:
        for compiled in sorted(Path(locale).glob("*/LC_MESSAGES/djangojs.mo")):
            digest.update(compiled.parent.parent.name.encode() + compiled.read_bytes())
    return digest.hexdigest()[:12]


def language_for(user) -> str:
    """The language to write to `user` in (e-mails, for instance): their choice, else LANGUAGE_CODE."""
    chosen = LanguagePreference.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    return supported(chosen) or settings.LANGUAGE_CODE


def user_language(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """After LocaleMiddleware and AuthenticationMiddleware: the API in English, a user's choice elsewhere."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            language = API_LANGUAGE
        elif request.user.is_authenticated:
            language = supported(request.session.get(SESSION_KEY))
        else:
            language = None
        if language and language != request.LANGUAGE_CODE:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return get_response(request)

    return middleware


@receiver(user_logged_in, dispatch_uid="factcheck-language-at-login")
def _remember_at_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        chosen = LanguagePreference.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
        if supported(chosen):
            request.session[SESSION_KEY] = chosen


@login_not_required
@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's set_language (the cookie, then back to `next`), and for a signed-in user their
    LanguagePreference and session, so the choice follows them to every browser."""
    response = set_language(request)
    language = supported(request.POST.get("language"))
    if language and request.user.is_authenticated:
        LanguagePreference.objects.update_or_create(user_id=request.user.pk, defaults={"language": language})
        request.session[SESSION_KEY] = language
    return response
