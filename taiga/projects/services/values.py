"""The values a project's items choose from (statuses, types, priorities, severities) and
the swimlanes of its board, with the board cells (one per swimlane and status) that follow them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.utils.text import slugify

from taiga.base.models import has_field
from taiga.base.slugs import unique_slug

from ..models import (
    EpicStatus,
    IssueStatus,
    IssueType,
    Priority,
    Project,
    Severity,
    Swimlane,
    SwimlaneUserStoryStatus,
    TaskStatus,
    UserStoryStatus,
)
from .bulk import BulkChanges, delete_with_dependents, emit_created
from .sequences import lock_project, next_order

Value = models.Model

# (name, is_closed, color) of the statuses every new project starts with, in board order.
DEFAULT_USERSTORY_STATUSES = (
    ("New", False, "#999999"),
    ("Ready", False, "#ff8a84"),
    ("In progress", False, "#ff9900"),
    ("Ready for test", False, "#fcc000"),
    ("Done", True, "#669900"),
    ("Archived", True, "#5c3566"),
)
DEFAULT_TASK_STATUSES = (
    ("New", False, "#999999"),
    ("In progress", False, "#ff9900"),
    ("Ready for test", False, "#ffcc00"),
    ("Closed", True, "#669900"),
    ("Needs Info", False, "#999999"),
)
DEFAULT_ISSUE_STATUSES = (
    ("New", False, "#8c2318"),
    ("In progress", False, "#5e8c6a"),
    ("Ready for test", True, "#88a65e"),
    ("Closed", True, "#bfb35a"),
    ("Needs Info", False, "#89bab4"),
    ("Rejected", True, "#cc0000"),
    ("Postponed", False, "#666666"),
)
DEFAULT_EPIC_STATUSES = (
    ("New", False, "#999999"),
    ("Ready", False, "#ff8a84"),
    ("In progress", False, "#ff9900"),
    ("Ready for test", False, "#fcc000"),
    ("Done", True, "#669900"),
)
# (name, color)
DEFAULT_ISSUE_TYPES = (("Bug", "#89bab4"), ("Question", "#ba89a8"), ("Enhancement", "#89a8ba"))
DEFAULT_PRIORITIES = (("Low", "#666666"), ("Normal", "#669933"), ("High", "#cc0000"))
DEFAULT_SEVERITIES = (
    ("Wishlist", "#666666"),
    ("Minor", "#669933"),
    ("Normal", "#0000ff"),
    ("Important", "#ffa500"),
    ("Critical", "#cc0000"),
)


def create_default_values(project: Project) -> None:
    """Give a new project its statuses, issue types, priorities and severities."""
    for model, rows in (
        (UserStoryStatus, DEFAULT_USERSTORY_STATUSES),
        (TaskStatus, DEFAULT_TASK_STATUSES),
        (IssueStatus, DEFAULT_ISSUE_STATUSES),
        (EpicStatus, DEFAULT_EPIC_STATUSES),
    ):
        statuses = [
            model(project=project, name=name, slug=slugify(name), is_closed=closed, color=color)
            for name, closed, color in rows
        ]
        _insert_in_order(statuses)
    for model, rows in (
        (IssueType, DEFAULT_ISSUE_TYPES),
        (Priority, DEFAULT_PRIORITIES),
        (Severity, DEFAULT_SEVERITIES),
    ):
        _insert_in_order([model(project=project, name=n, color=c) for n, c in rows])


@transaction.atomic
def create_value(
    model: type[Value], *, project: Project, name: str, order: int | None = None, **fields: Any
) -> Value:
    """A new value (or swimlane), placed last unless ``order``; a slug unique in the project
    for the models that have one. A new status or swimlane gets its board cells."""
    lock_project(project)
    siblings = model.objects.filter(project=project)
    value = model(project=project, name=name, **fields)
    value.order = next_order(siblings) if order is None else order
    if has_field(model, "slug"):
        value.slug = unique_slug(siblings, name, fallback=model._meta.model_name, max_length=255)
    value.save()
    if model is UserStoryStatus:
        _create_cells(project, swimlanes=project.swimlanes.all(), statuses=[value])
    elif model is Swimlane:
        _adopt_unclassified_stories(value)
        _create_cells(project, swimlanes=[value], statuses=project.us_statuses.all())
    return value


def _insert_in_order(values: list[Value]) -> None:
    for position, value in enumerate(values, start=1):
        value.order = position
    emit_created(type(values[0]).objects.bulk_create(values))


def _create_cells(
    project: Project, *, swimlanes: Iterable[Swimlane], statuses: Iterable[UserStoryStatus]
) -> None:
    statuses = list(statuses)
    cells = [
        SwimlaneUserStoryStatus(project=project, swimlane=swimlane, status=status)
        for swimlane in swimlanes
        for status in statuses
    ]
    if cells:
        emit_created(SwimlaneUserStoryStatus.objects.bulk_create(cells))


def _adopt_unclassified_stories(swimlane: Swimlane) -> None:
    # As in the original Taiga: the first swimlane of a board takes every user story.
    project = swimlane.project
    if project.swimlanes.count() == 1:
        changes = BulkChanges(project)
        changes.update(project.user_stories.filter(swimlane__isnull=True), swimlane=swimlane)
        changes.emit()


def create_userstory_status(*, project: Project, name: str, **fields: Any) -> UserStoryStatus:
    """A new board column (see create_value)."""
    return create_value(UserStoryStatus, project=project, name=name, **fields)


def delete_userstory_status(
    status: UserStoryStatus, *, move_to: UserStoryStatus | None = None
) -> None:
    """Delete a board column (see bulk.delete_with_dependents)."""
    delete_with_dependents(status, move_to=move_to)
