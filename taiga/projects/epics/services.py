"""Creating, changing and deleting epics, and the user stories related to them.

A change to an epic's related user stories (relating, reordering, unrelating, creating
stories in bulk) is a change of the epic: it emits one ``epics.epic`` change event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from taiga.base.exceptions import WrongArguments
from taiga.base.models import save_changes
from taiga.events.events import emit_event_for_model
from taiga.projects.models import EpicStatus, Project
from taiga.projects.services.bulk import BulkChanges, emit_created
from taiga.projects.services.items import create_item, delete_item, first_of, update_item
from taiga.projects.services.sequences import allocate_refs
from taiga.projects.userstories.models import UserStory
from taiga.users.models import User

from .models import Epic, RelatedUserStory


@transaction.atomic
def create_epic(
    *,
    project: Project,
    owner: User | None,
    subject: str,
    status: EpicStatus | None = None,
    **fields: Any,
) -> Epic:
    """A new epic with the project's next ``ref``, in its first epic status unless given."""
    status = status or first_of(project.epic_statuses, "status")
    return create_item(Epic, project=project, owner=owner, subject=subject, status=status, **fields)


def update_epic(
    epic: Epic,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None = None,
    by: User | None = None,
) -> Epic:
    """Apply ``changes`` by ``by`` and count a new version (409 if ``expected_version`` is
    stale)."""
    return update_item(epic, changes, expected_version=expected_version, by=by)


def delete_epic(epic: Epic, *, by: User | None = None) -> None:
    """Delete an epic; its user stories stay."""
    delete_item(epic, by=by)


@transaction.atomic
def relate_userstory(
    epic: Epic, user_story: UserStory, *, order: int | None = None
) -> RelatedUserStory:
    """Put a user story of the epic's project into the epic (last, unless ``order``)."""
    if user_story.project_id != epic.project_id:
        raise WrongArguments({"user_story": "The user story belongs to another project."})
    if epic.related_user_stories.filter(user_story=user_story).exists():
        raise WrongArguments({"user_story": "The user story is already in this epic."})
    related = RelatedUserStory(epic=epic, user_story=user_story)
    if order is not None:
        related.order = order
    related.save()
    emit_event_for_model(epic)
    return related


@transaction.atomic
def update_related_userstory(
    related: RelatedUserStory, changes: Mapping[str, Any]
) -> RelatedUserStory:
    save_changes(related, changes)
    emit_event_for_model(related.epic)
    return related


@transaction.atomic
def unrelate_userstory(related: RelatedUserStory) -> None:
    related.delete()
    emit_event_for_model(related.epic)


@transaction.atomic
def update_related_userstories_order_in_bulk(
    epic: Epic, orders: Sequence[tuple[UserStory, int]]
) -> list[dict]:
    """Reorder user stories of the epic within it: one event for the epic, none if no order
    changes."""
    relations = dict(epic.related_user_stories.values_list("user_story_id", "pk"))
    changes = BulkChanges(epic.project)
    if changes.set_orders(
        RelatedUserStory, "order", [(relations[story.pk], order) for story, order in orders]
    ):
        changes.add(Epic, [epic.pk])
    changes.emit()
    return [{"user_story": story.pk, "order": order} for story, order in orders]


@transaction.atomic
def create_related_userstories_in_bulk(
    epic: Epic, subjects: Sequence[str], *, owner: User | None
) -> list[RelatedUserStory]:
    """New user stories (one per subject, in the project's first status and swimlane), put
    last into the epic: one ``create`` event per new story, one change of the epic."""
    project = epic.project
    status = first_of(project.us_statuses, "bulk_userstories")
    swimlane = project.swimlanes.order_by("order", "id").first()
    stories = UserStory.objects.bulk_create(
        [
            UserStory(
                project=project,
                ref=ref,
                subject=subject,
                status=status,
                swimlane=swimlane,
                owner=owner,
            )
            for ref, subject in zip(allocate_refs(project, len(subjects)), subjects, strict=True)
        ]
    )
    emit_created(stories)
    related = RelatedUserStory.objects.bulk_create(
        [RelatedUserStory(epic=epic, user_story=story) for story in stories]
    )
    changes = BulkChanges(project)
    changes.add(Epic, [epic.pk])
    changes.emit()
    return related
