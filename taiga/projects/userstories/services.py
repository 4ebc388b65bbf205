"""Creating, changing and deleting user stories, and moving many into a sprint at once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction

from taiga.base.ordering import timestamp_order
from taiga.projects.epics.models import Epic
from taiga.projects.milestones.models import Milestone
from taiga.projects.models import Project, UserStoryStatus
from taiga.projects.services.bulk import BulkChanges
from taiga.projects.services.items import create_item, delete_item, first_of, update_item
from taiga.projects.signals import items_assigned
from taiga.projects.tasks.services import tasks_follow_stories
from taiga.users.models import User

from .models import UserStory


@transaction.atomic
def create_userstory(
    *,
    project: Project,
    owner: User | None,
    subject: str,
    status: UserStoryStatus | None = None,
    assigned_users: Iterable[User] = (),
    **fields: Any,
) -> UserStory:
    """A new user story with the project's next ``ref``, last in each of its boards.

    Without ``status`` it goes to the project's first status; without ``swimlane``, to the
    project's first swimlane, if it has any. ``fields`` are any other user story fields.
    """
    status = status or first_of(project.us_statuses, "status")
    if "swimlane" not in fields:
        fields["swimlane"] = project.swimlanes.order_by("order", "id").first()
    users = _assignees(fields.get("assigned_to"), assigned_users)
    return create_item(
        UserStory,
        project=project,
        owner=owner,
        subject=subject,
        status=status,
        many={"assigned_users": users},
        **fields,
    )


@transaction.atomic
def update_userstory(
    userstory: UserStory,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None = None,
    by: User | None = None,
) -> UserStory:
    """Apply ``changes`` by ``by`` and count a new version (409 if ``expected_version`` is
    stale).

    A story moved to another board cell goes last in it; its tasks follow it into another
    milestone (one event for them).
    """
    changes = dict(changes)
    many = None
    if "assigned_users" in changes or "assigned_to" in changes:
        users = changes.pop("assigned_users", None)
        if users is None:
            users = list(userstory.assigned_users.all())
        assignee = changes.get("assigned_to", userstory.assigned_to)
        many = {"assigned_users": _assignees(assignee, users)}
    new_cell = any(
        name in changes and changes[name] != getattr(userstory, name)
        for name in ("status", "swimlane")
    )
    if new_cell and "kanban_order" not in changes:
        changes["kanban_order"] = timestamp_order()
    updated = update_item(userstory, changes, expected_version=expected_version, many=many, by=by)
    if updated.milestone_id != userstory.milestone_id:
        changes = BulkChanges(updated.project)
        tasks_follow_stories(changes, [updated.pk], updated.milestone)
        changes.emit()
    return updated


@transaction.atomic
def delete_userstory(userstory: UserStory, *, by: User | None = None) -> None:
    """Delete a user story and its tasks; its ``ref`` is not handed out again. The epics it
    belonged to change (one event)."""
    project = userstory.project
    epic_ids = list(userstory.related_epics.values_list("epic_id", flat=True))
    delete_item(userstory, by=by)
    changes = BulkChanges(project)
    changes.add(Epic, epic_ids)
    changes.emit()


@transaction.atomic
def update_userstories_milestone_in_bulk(
    project: Project, milestone: Milestone, orders: Sequence[tuple[UserStory, int]]
) -> None:
    """Move user stories into ``milestone`` at the given ``sprint_order``s; their tasks
    follow. One event for the stories, one for the tasks."""
    ids = [story.pk for story, _ in orders]
    changes = BulkChanges(project)
    changes.set_orders(UserStory, "sprint_order", [(story.pk, order) for story, order in orders])
    changes.update(
        UserStory.objects.filter(pk__in=ids).exclude(milestone=milestone), milestone=milestone
    )
    tasks_follow_stories(changes, ids, milestone)
    changes.emit()


@transaction.atomic
def assign_userstories_in_bulk(
    project: Project,
    userstories: Sequence[UserStory],
    user: User | None,
    *,
    by: User | None = None,
) -> None:
    """Make ``user`` (or nobody) the only assignee of each story: one event; ``user`` is
    told of each story they were not assigned to before."""
    changes = BulkChanges(project)
    queryset = UserStory.objects.filter(pk__in=[story.pk for story in userstories])
    ids = changes.update(queryset.exclude(assigned_to=user), assigned_to=user)
    through = UserStory.assigned_users.through
    assigned = through.objects.filter(userstory_id__in=ids)
    already = set(assigned.filter(user=user).values_list("userstory_id", flat=True))
    assigned.delete()
    if user is not None:
        through.objects.bulk_create([through(userstory_id=pk, user_id=user.pk) for pk in ids])
        changed = set(ids) - already
        newly = [story for story in userstories if story.pk in changed]
        items_assigned.send(sender=UserStory, items=newly, user=user, by=by)
    changes.emit()


def _assignees(assigned_to: User | None, users: Iterable[User]) -> list[User]:
    # As in the original Taiga, the main assignee is always one of the assigned users.
    users = list(dict.fromkeys(users))
    if assigned_to is not None and assigned_to not in users:
        users.append(assigned_to)
    return users
