"""Failed log-ins: who counts as one client, when they are locked out, and what they are told.

django-axes records every failed log-in (the login page, the admin and the API token endpoint all
call `django.contrib.auth.authenticate` with the request) and its backend, first in
AUTHENTICATION_BACKENDS, refuses a locked-out attempt before the password is hashed. This module
holds the project's side of it: the client's address (the same one the API's rate limits count),
two limits instead of axes' one, and the message the page and the API give.
"""

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.throttling import BaseThrottle


def client_address(request: HttpRequest) -> str | None:
    """The client's address as DRF's throttles see it: REMOTE_ADDR, or the X-Forwarded-For entry
    written by the nearest of REST_FRAMEWORK's NUM_PROXIES proxies (DJANGO_PROXY_COUNT)."""
    return BaseThrottle().get_ident(request)


class LoginFailures(AxesDatabaseHandler):
    """Axes' database handler with a limit for each of its two lockout parameters.

    AXES_LOCKOUT_PARAMETERS lists the (username, address) pair, then the address. Axes compares the
    larger of their counts with AXES_FAILURE_LIMIT; here the pair is held to that limit
    (FACTCHECK_LOGIN_FAILURE_LIMIT) and the address, which colleagues behind one NAT address share,
    to FACTCHECK_LOGIN_FAILURE_LIMIT_PER_ADDRESS. No limit is per username alone: anyone could then
    lock any account. Counts cover the failures since the last quiet spell of AXES_COOLOFF_TIME.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        pair, address = (
            attempts.aggregate(failures=Sum("failures_since_start"))["failures"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if address >= settings.FACTCHECK_LOGIN_FAILURE_LIMIT_PER_ADDRESS:
            return max(pair, settings.AXES_FAILURE_LIMIT)
        return pair


def lockout_wait(request: HttpRequest | None = None) -> timedelta | None:
    """How long a locked-out client waits: the whole cool-off, since each refused attempt starts it
    again (axes' AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT); None when the lock lasts until an
    editor or an administrator lifts it."""
    return get_cool_off(request)


def lockout_message(wait: timedelta | None) -> str:
    """What a refused client reads, on the page and in the API's answer. Editors lift locks on the
    Locked log-ins page (roles.can_unlock_logins), so the colleague to ask is an editor."""
    if wait is None:
        return _("Too many failed log-ins from your address. Ask an editor to lift the lock.")
    minutes = max(1, round(wait.total_seconds() / 60))
    return ngettext(
        "Too many failed log-ins from your address. Try again in %(count)s minute; "
        "each attempt before then restarts the wait. An editor can lift the lock sooner.",
        "Too many failed log-ins from your address. Try again in %(count)s minutes; "
        "each attempt before then restarts the wait. An editor can lift the lock sooner.",
        minutes,
    ) % {"count": minutes}
