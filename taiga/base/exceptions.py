"""API errors raised by services, so that a rule broken anywhere answers the same way."""

from rest_framework import status
from rest_framework.exceptions import APIException


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
