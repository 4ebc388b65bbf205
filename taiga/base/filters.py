"""Reading list filters from query strings."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

_BOOLEANS = {"true": True, "false": False}


def int_query_param(request: Request, name: str) -> int | None:
    """The integer value of ``?name=``, None if absent; a non-integer is a 400, not a 500."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationError({name: f"Expected an integer id, got {raw!r}."}) from None


def bool_query_param(request: Request, name: str) -> bool | None:
    """The value of ``?name=true|false``, None if absent; anything else is a 400."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    if raw not in _BOOLEANS:
        raise ValidationError({name: f"Expected true or false, got {raw!r}."})
    return _BOOLEANS[raw]


def filter_by_params(queryset: QuerySet, request: Request, lookups: Mapping[str, str]) -> QuerySet:
    """Narrow ``queryset`` by each ``?param=`` of ``lookups`` (param -> field lookup).

    A value is an integer id, ``null`` (no value, e.g. ``?milestone=null`` for the backlog)
    or ``true``/``false``; anything else is a 400 naming the parameter.
    """
    for param, lookup in lookups.items():
        raw = request.query_params.get(param)
        if raw in (None, ""):
            continue
        if raw == "null":
            queryset = queryset.filter(**{f"{lookup}__isnull": True})
        elif raw in _BOOLEANS:
            queryset = queryset.filter(**{lookup: _BOOLEANS[raw]})
        else:
            queryset = queryset.filter(**{lookup: int_query_param(request, param)})
    return queryset
