"""API errors as JSON: the services' ValidationError, PermissionDenied and VersionConflict as 400, 403, 409;
a log-in refused by django-axes as 429."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler

from .. import logins, selectors
from ..services import StateConflict, VersionConflict


class LoginLockedOut(APIException):
    """Too many failed log-ins (annotations.logins): 429, the page's message, Retry-After when the lock ends."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "login_locked_out"

    def __init__(self, wait: timedelta | None):
        super().__init__(logins.lockout_message(wait))
        # DRF's exception handler turns `wait` into the Retry-After header.
        self.wait = int(wait.total_seconds()) if wait else None


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = _field_errors(exc) if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoPermissionDenied):
        return Response({"detail": str(exc) or "You do not have permission to do this."}, status=403)
    if isinstance(exc, StateConflict):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, VersionConflict):
        current = selectors.verdict_record(viewer=context["request"].user, pk=exc.annotation.pk)
        return Response({"detail": exc.message, "current": current}, status=status.HTTP_409_CONFLICT)
    return exception_handler(exc, context)


def _field_errors(exc: DjangoValidationError) -> dict:
    """A service's errors by field; an item of a list (a source) keyed by its position, as DRF does."""
    detail: dict = {}
    for field, errors in exc.error_dict.items():
        for error in errors:
            position = getattr(error, "position", None)
            if position is None:
                detail.setdefault(field, []).extend(error.messages)
            else:
                detail.setdefault(field, {}).setdefault(position, {}).setdefault(error.field, []).extend(error.messages)
    return detail
