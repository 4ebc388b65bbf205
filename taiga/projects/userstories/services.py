"""Creating, changing and deleting user stories, with the rules that hold for every caller."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from taiga.base.exceptions import Conflict, WrongArguments
from taiga.projects.models import Project, UserStoryStatus
from taiga.projects.permissions import is_member
from taiga.projects.services import allocate_ref
from taiga.users.models import User

from .models import UserStory


@transaction.atomic
def create_userstory(
    *,
    project: Project,
    owner: User | None,
    subject: str,
    status: UserStoryStatus | None = None,
    **fields: Any,
) -> UserStory:
    """A new user story with the project's next ``ref``.

    Without ``status`` it goes to the project's first status. ``fields`` are any other
    user story fields (description, assigned_to, backlog_order, kanban_order).
    """
    if status is None:
        status = project.us_statuses.order_by("order", "id").first()
        if status is None:
            raise WrongArguments({"status": "The project has no user story statuses."})
    userstory = UserStory(project=project, owner=owner, subject=subject, status=status, **fields)
    _check_belongs_to_project(userstory)
    userstory.ref = allocate_ref(project)
    userstory.save()
    return userstory


@transaction.atomic
def update_userstory(
    userstory: UserStory, changes: Mapping[str, Any], *, expected_version: int | None = None
) -> UserStory:
    """Apply ``changes`` and count a new version.

    With ``expected_version``, the update happens only if nobody else has updated the story
    since the caller read that version; otherwise it raises Conflict (HTTP 409).
    """
    current = UserStory.objects.select_for_update().get(pk=userstory.pk)
    if expected_version is not None and expected_version != current.version:
        raise Conflict(
            f"User story #{current.ref} has changed since version {expected_version} "
            f"(it is now at version {current.version}): reload it and apply your change again."
        )
    for field, value in changes.items():
        setattr(current, field, value)
    _check_belongs_to_project(current)
    current.version += 1
    current.save()
    return current


def delete_userstory(userstory: UserStory) -> None:
    """Delete a user story; its ``ref`` is not handed out again."""
    userstory.delete()


def _check_belongs_to_project(userstory: UserStory) -> None:
    errors = {}
    if userstory.status.project_id != userstory.project_id:
        errors["status"] = "The status belongs to another project."
    assignee = userstory.assigned_to
    if assignee is not None and not is_member(assignee, userstory.project):
        errors["assigned_to"] = "Only members of the project can be assigned."
    if errors:
        raise WrongArguments(errors)
