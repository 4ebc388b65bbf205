"""Signal receivers that turn saves and deletes of watched models into change events."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .events import emit_event_for_model
from .registry import type_name_for


def _should_emit(instance: models.Model, raw: bool) -> str | None:
    # Fixture loading (raw) and imports must not flood clients with events.
    if raw or getattr(instance, "_importing", False):
        return None
    if getattr(instance, "project_id", None) is None:
        return None
    return type_name_for(instance.__class__)


@receiver(post_save, dispatch_uid="taiga_events_on_save")
def on_save(
    sender: type[models.Model], instance: models.Model, created: bool, raw: bool = False, **_: Any
) -> None:
    type_name = _should_emit(instance, raw)
    if type_name:
        emit_event_for_model(
            instance, type="create" if created else "change", content_type=type_name
        )


@receiver(post_delete, dispatch_uid="taiga_events_on_delete")
def on_delete(sender: type[models.Model], instance: models.Model, **_: Any) -> None:
    type_name = _should_emit(instance, False)
    if type_name:
        emit_event_for_model(instance, type="delete", content_type=type_name)
