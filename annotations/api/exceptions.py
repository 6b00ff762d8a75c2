"""API errors as JSON: the services' ValidationError, PermissionDenied and VersionConflict as 400, 403, 409."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from ..services import VersionConflict


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
