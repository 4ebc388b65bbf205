"""Creating, changing and deleting milestones (sprints)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from taiga.base.slugs import unique_slug
from taiga.projects.models import Project
from taiga.projects.services.bulk import delete_with_dependents
from taiga.projects.services.items import create_item, delete_item, update_item
from taiga.projects.services.sequences import lock_project
from taiga.users.models import User

from .models import Milestone


@transaction.atomic
def create_milestone(
    *, project: Project, owner: User | None, name: str, **fields: Any
) -> Milestone:
    """A new sprint with a slug unique in the project."""
    lock_project(project)
    slug = unique_slug(project.milestones.all(), name, fallback="sprint", max_length=250)
    return create_item(Milestone, project=project, owner=owner, name=name, slug=slug, **fields)


def update_milestone(
    milestone: Milestone, changes: Mapping[str, Any], *, by: User | None = None
) -> Milestone:
    return update_item(milestone, changes, by=by)


def delete_milestone(milestone: Milestone, *, by: User | None = None) -> None:
    """Delete a sprint; its user stories, tasks and issues go back to the backlog (one
    event per kind)."""
    delete_item(milestone, by=by, delete=delete_with_dependents)
