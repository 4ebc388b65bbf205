"""Creating, changing and deleting tasks, and moving many into a sprint at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from taiga.projects.milestones.models import Milestone
from taiga.projects.models import Project, TaskStatus
from taiga.projects.services.bulk import BulkChanges
from taiga.projects.services.items import create_item, delete_item, first_of, update_item
from taiga.users.models import User

from .models import Task


@transaction.atomic
def create_task(
    *,
    project: Project,
    owner: User | None,
    subject: str,
    status: TaskStatus | None = None,
    **fields: Any,
) -> Task:
    """A new task with the project's next ``ref``, in the project's first task status
    unless ``status``; a task of a user story is in the story's milestone unless told."""
    status = status or first_of(project.task_statuses, "status")
    story = fields.get("user_story")
    if story is not None and "milestone" not in fields:
        fields["milestone"] = story.milestone
    return create_item(Task, project=project, owner=owner, subject=subject, status=status, **fields)


def update_task(
    task: Task,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None = None,
    by: User | None = None,
) -> Task:
    """Apply ``changes`` by ``by`` and count a new version (409 if ``expected_version`` is
    stale)."""
    return update_item(task, changes, expected_version=expected_version, by=by)


def delete_task(task: Task, *, by: User | None = None) -> None:
    delete_item(task, by=by)


@transaction.atomic
def update_tasks_milestone_in_bulk(
    project: Project, milestone: Milestone, orders: Sequence[tuple[Task, int]]
) -> None:
    """Move tasks into ``milestone`` at the given ``taskboard_order``s: one event."""
    changes = BulkChanges(project)
    changes.set_orders(Task, "taskboard_order", [(task.pk, order) for task, order in orders])
    tasks = Task.objects.filter(pk__in=[task.pk for task, _ in orders])
    changes.update(tasks.exclude(milestone=milestone), milestone=milestone)
    changes.emit()


def tasks_follow_stories(
    changes: BulkChanges, story_ids: Sequence[int], milestone: Milestone | None
) -> None:
    """Put the tasks of the given user stories into their stories' new ``milestone``."""
    tasks = Task.objects.filter(user_story__in=story_ids).exclude(milestone=milestone)
    changes.update(tasks, milestone=milestone)
