"""Small generic helpers for Django models."""

from collections.abc import Mapping
from typing import Any

from django.db import models


def has_field(model: type[models.Model], name: str) -> bool:
    """Does ``model`` have a concrete (column-backed) field called ``name``?"""
    return any(field.name == name for field in model._meta.concrete_fields)


def save_changes(obj: models.Model, changes: Mapping[str, Any]) -> models.Model:
    """Set each field of ``changes`` on ``obj`` and save it (one event if it is watched)."""
    for field, value in changes.items():
        setattr(obj, field, value)
    obj.save()
    return obj
