"""Reordering many objects at once: user stories on the backlog, in sprints and on the
kanban board; tasks, epics, swimlanes and statuses by explicit orders.

Each operation is one transaction and emits one ``change`` event per kind of object it
changed, with every affected id, and no per-object events (seed, section 2).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import models, transaction

from taiga.projects.milestones.models import Milestone
from taiga.projects.tasks.models import Task
from taiga.projects.userstories.models import UserStory

from ..models import Project, Swimlane, UserStoryStatus
from .bulk import BulkChanges

Orders = list[tuple[int, int]]


def place(
    group: Sequence[tuple[int, int]],
    moved: Sequence[int],
    *,
    after: int | None = None,
    before: int | None = None,
) -> Orders:
    """The new ``(id, order)`` of ``moved`` put as one block into ``group``.

    ``group`` is the ``(id, order)`` of the other members, sorted. The block goes right
    after ``after``, right before ``before``, or first. Members before the block keep their
    order; the block and every member after it are numbered on from there, and only those
    are returned.
    """
    ids = [pk for pk, _ in group]
    if before is not None:
        cut = ids.index(before)
    elif after is not None:
        cut = ids.index(after) + 1
    else:
        cut = 0
    start = group[cut - 1][1] + 1 if cut else 1
    return [(pk, start + index) for index, pk in enumerate([*moved, *ids[cut:]])]


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
    """Give each object the order the client chose for it (``field``)."""
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
    return place(
        list(others),
        moved,
        after=after.pk if after else None,
        before=before.pk if before else None,
    )
