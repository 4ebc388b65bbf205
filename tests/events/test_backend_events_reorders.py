"""A reorder's ``change`` event lists exactly the objects whose stored values changed: the
moved ones that really moved and the others that had to make room, and no event at all when
nothing changed."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from rest_framework.test import APIClient

from taiga.projects.epics import services as epic_services
from taiga.projects.tasks import services as task_services
from taiga.projects.userstories import services as userstory_services
from taiga.projects.userstories.models import UserStory
from tests.events.test_backend_events_bulk import post
from tests.events.test_backend_events_crud import (  # api_client: the `api` fixture
    api_client,  # noqa: F401
    emitted,
)

US = "userstories.userstory"


def stories(project, owner, field: str, orders: Sequence[int], **fields) -> list[int]:
    """New stories whose ``field`` holds ``orders``, one each; their ids."""
    ids = []
    for number, order in enumerate(orders):
        story = userstory_services.create_userstory(
            project=project, owner=owner, subject=f"s{number}", **fields
        )
        UserStory.objects.filter(pk=story.pk).update(**{field: order})
        ids.append(story.pk)
    return ids


def column(status) -> list[int]:
    """The ids of the unclassified stories of ``status``, in board order."""
    cell = UserStory.objects.filter(status=status, swimlane=None)
    return list(cell.order_by("kanban_order", "id").values_list("pk", flat=True))


@pytest.fixture
def move(api: APIClient, project):
    """Move stories on the kanban board, into ``status`` at the place given."""

    def move(status, ids: list[int], **anchor: int) -> None:
        body = {"project_id": project.pk, "status_id": status.pk, "bulk_userstories": ids}
        post(api, "userstories/bulk_update_kanban_order", {**body, **anchor})

    return move


def test_a_move_in_a_column_with_gaps_changes_only_the_moved_story(
    project, owner, move, events
) -> None:
    new = project.us_statuses.get(slug="new")
    ids = stories(project, owner, "kanban_order", range(10, 90, 10))
    events.clear()

    move(new, [ids[6]], after_userstory_id=ids[1])
    move(new, [ids[6]], after_userstory_id=ids[1])  # dropped where it already is
    move(new, [ids[6]], before_userstory_id=ids[0])

    assert emitted(events, project) == [("change", US, [ids[6]])] * 2
    assert column(new) == [ids[6], *ids[:6], ids[7]]


def test_a_move_in_a_column_without_gaps_lists_only_the_stories_that_moved(
    project, owner, move, events
) -> None:
    new = project.us_statuses.get(slug="new")
    ids = stories(project, owner, "kanban_order", range(1, 9))
    events.clear()

    move(new, [ids[6]], before_userstory_id=ids[2])

    # ids[6] goes to 3, ids[2..5] move up by one, and the stories around them stay put.
    assert emitted(events, project) == [("change", US, [ids[6], *ids[2:6]])]
    assert column(new) == [*ids[:2], ids[6], *ids[2:6], ids[7]]
    orders = dict(UserStory.objects.values_list("pk", "kanban_order"))
    assert [orders[pk] for pk in (ids[0], ids[1], ids[7])] == [1, 2, 8]


def test_stories_back_from_a_sprint_list_only_those_whose_values_changed(
    api, project, owner, events
) -> None:
    sprint = project.milestones.create(
        name="S", slug="s", estimated_start="2025-01-06", estimated_finish="2025-01-17"
    )
    # A backlog numbered 3..31, as a previous move of two stories to its top left it.
    backlog = stories(project, owner, "backlog_order", range(3, 32))
    returning = stories(project, owner, "backlog_order", (40, 41), milestone=sprint)
    task = task_services.create_task(
        project=project, owner=owner, subject="t", user_story=UserStory.objects.get(pk=returning[0])
    )
    events.clear()

    post(
        api,
        "userstories/bulk_update_backlog_order",
        {"project_id": project.pk, "milestone_id": None, "bulk_userstories": returning},
    )

    assert emitted(events, project) == [
        ("change", US, returning),
        ("change", "tasks.task", [task.pk]),
    ]
    in_backlog = UserStory.objects.filter(milestone=None).order_by("backlog_order", "id")
    assert list(in_backlog.values_list("pk", "backlog_order")) == [
        *zip(returning, (1, 2), strict=True),
        *zip(backlog, range(3, 32), strict=True),
    ]


def test_explicit_orders_list_only_the_ids_whose_order_changed(api, project, owner, events) -> None:
    first, second = project.us_statuses.order_by("order")[:2]
    tasks = [task_services.create_task(project=project, owner=owner, subject=s) for s in "xy"]
    epic = epic_services.create_epic(project=project, owner=owner, subject="E")
    story = userstory_services.create_userstory(project=project, owner=owner, subject="s")
    related = epic_services.relate_userstory(epic, story)
    statuses = [[first.pk, first.order], [second.pk, second.order]]
    taskboard = [{"task_id": task.pk, "order": task.taskboard_order} for task in tasks]
    events.clear()

    for _ in range(2):  # first every order as stored, then one of each changed
        post(
            api,
            "userstory-statuses/bulk_update_order",
            {"project": project.pk, "bulk_userstory_statuses": statuses},
        )
        post(
            api,
            "tasks/bulk_update_taskboard_order",
            {"project_id": project.pk, "bulk_tasks": taskboard},
        )
        statuses[1][1] += 10
        taskboard[1]["order"] += 1
    post(
        api,
        f"epics/{epic.pk}/related_userstories/bulk_update_order",
        {"bulk_userstories": [{"us_id": story.pk, "order": related.order}]},
    )

    assert emitted(events, project) == [
        ("change", "projects.userstorystatus", [second.pk]),
        ("change", "tasks.task", [tasks[1].pk]),
    ]
