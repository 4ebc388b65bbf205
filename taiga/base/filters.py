"""Reading list filters from query strings."""

from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


def int_query_param(request: Request, name: str) -> int | None:
    """The integer value of ``?name=``, None if absent; a non-integer is a 400, not a 500."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationError({name: f"Expected an integer id, got {raw!r}."}) from None
