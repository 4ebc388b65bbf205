"""Which models emit change events, and under which type name.

Type names are declared, not derived from class names: the seed calls the wiki page model
``wiki.wiki_page``. Any Django project registers its own models the same way, typically in
its ``AppConfig.ready()``::

    from taiga.events import registry
    registry.watch(UserStory, "userstories.userstory")
"""

from __future__ import annotations

from django.db import models

_watched: dict[type[models.Model], str] = {}


def watch(model: type[models.Model], type_name: str) -> None:
    """Emit ``changes.project.{project_id}.{type_name}`` events for every save and delete."""
    app_label, dot, model_name = type_name.partition(".")
    if not (app_label and dot and model_name) or "." in model_name:
        raise ValueError(f"type name must be 'app_label.model_name', got {type_name!r}")
    _watched[model] = type_name


def unwatch(model: type[models.Model]) -> None:
    """Stop emitting events for ``model``."""
    _watched.pop(model, None)


def type_name_for(model: type[models.Model]) -> str | None:
    """The declared type name of a watched model (or of its concrete parent), else None."""
    type_name = _watched.get(model)
    if type_name is None and model._meta.proxy:
        type_name = _watched.get(model._meta.concrete_model)
    return type_name
