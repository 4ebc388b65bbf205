"""Watching items: watchers are told of comments, and are among the people involved."""

from __future__ import annotations

from django.db import models

from taiga.users.models import User


def watch(item: models.Model, user: User) -> None:
    """``user`` watches ``item`` (nothing changes if they already do)."""
    item.watchers.add(user)


def unwatch(item: models.Model, user: User) -> None:
    """``user`` stops watching ``item`` (nothing changes if they did not)."""
    item.watchers.remove(user)
