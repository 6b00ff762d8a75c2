"""Request rates: per address for anonymous callers, per user, and per address on the token endpoint.

The rates are REST_FRAMEWORK's DEFAULT_THROTTLE_RATES (FACTCHECK_API_RATE_*; None turns a scope
off). DRF's throttles copy that dict when their module is imported; these read it at each request,
so an overridden setting (the tests') applies. Counts live in the default cache (DJANGO_CACHE_URL).
"""

from django.core.exceptions import ImproperlyConfigured
from rest_framework import throttling
from rest_framework.settings import api_settings


class RatesFromSettings:
    scope: str

    def get_rate(self) -> str | None:
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError:
            raise ImproperlyConfigured(f"REST_FRAMEWORK's DEFAULT_THROTTLE_RATES has no {self.scope!r} rate.") from None


class AnonRateThrottle(RatesFromSettings, throttling.AnonRateThrottle):
    """Anonymous callers, per address."""


class UserRateThrottle(RatesFromSettings, throttling.UserRateThrottle):
    """Authenticated callers, per user."""


class TokenRateThrottle(RatesFromSettings, throttling.SimpleRateThrottle):
    """The token endpoint, per address whoever calls: password guesses are counted before any hashing."""

    scope = "token"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
