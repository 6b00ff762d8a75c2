"""API errors as JSON: the services' ValidationError, PermissionDenied and VersionConflict as 400, 403, 409."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from .. import selectors
from ..services import StateConflict, VersionConflict


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
