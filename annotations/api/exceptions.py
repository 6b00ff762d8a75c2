"""API errors as JSON: the services' ValidationError, PermissionDenied and VersionConflict as 400, 403, 409;
a log-in refused by django-axes as 429."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler

from .. import logins
from ..services import VersionConflict


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
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoPermissionDenied):
        return Response({"detail": str(exc) or "You do not have permission to do this."}, status=403)
    if isinstance(exc, VersionConflict):
        from .serializers import AnnotationSerializer

        return Response(
            {"detail": exc.message, "current": AnnotationSerializer(exc.annotation).data},
            status=status.HTTP_409_CONFLICT,
        )
    return exception_handler(exc, context)
