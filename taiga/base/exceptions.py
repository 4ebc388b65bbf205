"""API errors raised by services, so that a rule broken anywhere answers the same way."""

from typing import Any

from django.db import IntegrityError
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class WrongArguments(APIException):
    """The request is well-formed but its values cannot be used (HTTP 400)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Wrong arguments."
    default_code = "wrong_arguments"


class Conflict(APIException):
    """The request contradicts the current state of the resource (HTTP 409)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The resource changed or is in use."
    default_code = "conflict"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus: a unique constraint broken by a concurrent request (which the
    validation before it could not see) is a 409, not a 500."""
    if isinstance(exc, IntegrityError):
        exc = Conflict("This conflicts with a change made at the same time; try again.")
    return drf_exception_handler(exc, context)
