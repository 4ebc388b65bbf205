"""Reordering many objects at once: user stories on the backlog, in sprints and on the
kanban board; tasks, epics, swimlanes and statuses by explicit orders.

Each operation is one transaction and emits one ``change`` event per kind of object it
changed, with the ids whose stored values changed, and no per-object events (seed, section
2). Moves renumber as few objects as they can, and nothing that already has its order is
written: an operation that changes nothing emits nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from django.db import models, transaction

from taiga.projects.milestones.models import Milestone
from taiga.projects.tasks.models import Task
from taiga.projects.userstories.models import UserStory

from ..models import Project, Swimlane, UserStoryStatus
from .bulk import BulkChanges

Orders = list[tuple[int, int]]


def place(
    group: Sequence[tuple[int, int]],
    moved: Sequence[tuple[int, int | None]],
    *,
    after: int | None = None,
    before: int | None = None,
) -> Orders:
    """The new ``(id, order)`` of the moved objects, and of the members of ``group`` that
    must make room for them, when the moved objects go as one block into ``group``.

    ``group`` is the ``(id, order)`` of the other members, sorted; ``moved`` the ``(id,
    order)`` of the block, with order ``None`` for one that comes from another group. The
    block goes right after ``after``, right before ``before``, or first. A block already
    there, in that sequence, keeps its orders. Otherwise it takes the orders that follow
    the member before it (first: from 1, or just below the first member when there is no
    room above it); members before it keep theirs, and a member after it moves up only
    while it is not above the one before it, so where orders have gaps no member moves.
    Members that keep their order are not returned.
    """
    ids = [pk for pk, _ in group]
    if before is not None:
        cut = ids.index(before)
    elif after is not None:
        cut = ids.index(after) + 1
    else:
        cut = 0
    low = [group[cut - 1][1]] if cut else []
    high = [group[cut][1]] if cut < len(group) else []
    current = [order for _, order in moved]
    if None not in current and _ascending([*low, *current, *high]):
        return list(moved)
    # Just below the block: the member before it; at the top 0, or lower when the first
    # member leaves no room above it.
    last = low[0] if low else min([0, *(order - len(moved) - 1 for order in high)])
    orders = []
    for pk, _ in moved:
        last += 1
        orders.append((pk, last))
    for pk, order in group[cut:]:
        if order > last:
            break  # this member and all after it are already above the block
        last += 1
        orders.append((pk, last))
    return orders


def _ascending(orders: Sequence[int]) -> bool:
    return all(lower < upper for lower, upper in pairwise(orders))


@transaction.atomic
def update_userstories_kanban_order(
    project: Project,
    *,
    status: UserStoryStatus,
    swimlane: Swimlane | None,
    userstories: Sequence[UserStory],
    after: UserStory | None = None,
    before: UserStory | None = None,
) -> list[dict]:
    """Move ``userstories`` into the board cell (status, swimlane) at the given place."""
    moved = [story.pk for story in userstories]
    cell = UserStory.objects.filter(project=project, status=status, swimlane=swimlane)
    orders = _place_in(cell, "kanban_order", moved, after, before)
    changes = BulkChanges(project)
    changes.set_orders(UserStory, "kanban_order", orders)
    changes.update(
        UserStory.objects.filter(pk__in=moved).exclude(status=status, swimlane=swimlane),
        status=status,
        swimlane=swimlane,
    )
    changes.emit()
    swimlane_id = swimlane.pk if swimlane else None
    return [
        {"id": pk, "status": status.pk, "swimlane": swimlane_id, "kanban_order": order}
        for pk, order in orders
    ]


@transaction.atomic
def update_userstories_backlog_order(
    project: Project,
    *,
    milestone: Milestone | None,
    userstories: Sequence[UserStory],
    after: UserStory | None = None,
    before: UserStory | None = None,
) -> list[dict]:
    """Move ``userstories`` to the backlog (no milestone) or into a sprint, at the given
    place (``backlog_order`` or ``sprint_order``); their tasks follow them."""
    field = "sprint_order" if milestone else "backlog_order"
    moved = [story.pk for story in userstories]
    group = UserStory.objects.filter(project=project, milestone=milestone)
    orders = _place_in(group, field, moved, after, before)
    changes = BulkChanges(project)
    changes.set_orders(UserStory, field, orders)
    changes.update(
        UserStory.objects.filter(pk__in=moved).exclude(milestone=milestone), milestone=milestone
    )
    changes.update(
        Task.objects.filter(user_story__in=moved).exclude(milestone=milestone),
        milestone=milestone,
    )
    changes.emit()
    milestone_id = milestone.pk if milestone else None
    return [{"id": pk, "milestone": milestone_id, field: order} for pk, order in orders]


@transaction.atomic
def update_orders_in_bulk(
    project: Project,
    model: type[models.Model],
    field: str,
    orders: Sequence[tuple[models.Model, int]],
) -> list[dict]:
    """Give each object the order the client chose for it (``field``); the event lists
    those whose order differed."""
    pairs = [(obj.pk, order) for obj, order in orders]
    changes = BulkChanges(project)
    changes.set_orders(model, field, pairs)
    changes.emit()
    return [{"id": pk, field: order} for pk, order in pairs]


def _place_in(
    group: models.QuerySet,
    field: str,
    moved: list[int],
    after: models.Model | None,
    before: models.Model | None,
) -> Orders:
    others = group.exclude(pk__in=moved).order_by(field, "id").values_list("pk", field)
    current = dict(group.filter(pk__in=moved).values_list("pk", field))
    return place(
        list(others),
        [(pk, current.get(pk)) for pk in moved],
        after=after.pk if after else None,
        before=before.pk if before else None,
    )
