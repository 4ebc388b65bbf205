"""Who is involved in an item: its owner, the people assigned to it, its watchers and the
members its description mentions."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from .choices import WebNotificationType
from .mentions import mentioned_members


@dataclass(frozen=True)
class Involvement:
    """The people involved in an item at one moment, by user id."""

    owner: int | None = None
    assigned: frozenset[int] = frozenset()
    watchers: frozenset[int] = frozenset()
    mentioned: frozenset[int] = frozenset()

    @property
    def people(self) -> frozenset[int]:
        """Everyone involved: who live notifications with the ``involved`` policy go to."""
        owner = frozenset() if self.owner is None else frozenset({self.owner})
        return owner | self.assigned | self.watchers | self.mentioned


NOBODY = Involvement()


def involvement_of(item: models.Model) -> Involvement:
    """Who is involved in ``item`` now (each kind of item has what it has of these)."""
    assigned = _ids(item, "assigned_users")
    if getattr(item, "assigned_to_id", None) is not None:
        assigned |= {item.assigned_to_id}
    description = getattr(item, "description", "")
    return Involvement(
        owner=getattr(item, "owner_id", None),
        assigned=assigned,
        watchers=_ids(item, "watchers"),
        mentioned=mentioned_members(item.project, description) if description else frozenset(),
    )


def newly_involved(
    before: Involvement | None, after: Involvement
) -> dict[WebNotificationType, frozenset[int]]:
    """The people a change made assigned, watchers or mentioned, by web notification type."""
    before = before or NOBODY
    return {
        WebNotificationType.ASSIGNED: after.assigned - before.assigned,
        WebNotificationType.ADDED_AS_WATCHER: after.watchers - before.watchers,
        WebNotificationType.MENTIONED: after.mentioned - before.mentioned,
    }


def _ids(item: models.Model, many_to_many: str) -> frozenset[int]:
    if not any(field.name == many_to_many for field in item._meta.many_to_many):
        return frozenset()
    return frozenset(getattr(item, many_to_many).values_list("pk", flat=True))
