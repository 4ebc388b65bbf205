"""Recording what happens to the items of a project, and commenting on them."""

from __future__ import annotations

from django.db import models, transaction
from django.db.models import QuerySet

from taiga.events.registry import type_name_for
from taiga.projects.signals import commented
from taiga.users.models import User

from .models import HistoryEntry


def record(item: models.Model, kind: str, *, by: User | None, comment: str = "") -> HistoryEntry:
    """A new history entry: ``by`` did ``kind`` (create, change, delete, comment) to ``item``."""
    return HistoryEntry.objects.create(
        project_id=item.project_id,
        user=by,
        type=kind,
        content_type=type_name_for(type(item)),
        object_id=item.pk,
        comment=comment,
    )


@transaction.atomic
def add_comment(item: models.Model, text: str, *, by: User) -> HistoryEntry:
    """``by`` comments ``text`` on ``item``; its watchers and the people it mentions are
    notified (see the notifications app)."""
    entry = record(item, HistoryEntry.Type.COMMENT, by=by, comment=text)
    commented.send(sender=type(item), item=item, entry=entry, by=by)
    return entry


def comments_of(item: models.Model) -> QuerySet[HistoryEntry]:
    """The comments on ``item``, oldest first."""
    return HistoryEntry.objects.filter(
        content_type=type_name_for(type(item)),
        object_id=item.pk,
        type=HistoryEntry.Type.COMMENT,
    ).select_related("user")
