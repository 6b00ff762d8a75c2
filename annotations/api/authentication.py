"""`Authorization: Token …`, read with the user's role groups and the token's age in one statement
(db.token_user).

The answers are DRF's: 401 for an unknown key or an inactive user, and 401 "Token has expired."
for a token older than FACTCHECK_TOKEN_TTL_HOURS (services.token_is_expired).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from .. import db, roles, services


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, answering the same, with the user's role groups in the same query,
    and refusing expired tokens."""

    def authenticate_credentials(self, key):
        found = db.token_user(key, roles.ROLE_GROUPS)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user, groups, created = found
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if services.token_is_expired(created=created):
            raise exceptions.AuthenticationFailed(_("Token has expired."))
        roles.remember_groups(user, groups)
        return (user, Token(key=key, user=user, created=created))
