"""The exact events of every bulk operation: one ``change`` event per kind of object it
changed, with every affected id, and no per-object events (seed, section 2)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from taiga.auth.tokens import issue_access_token
from taiga.projects.epics import services as epic_services
from taiga.projects.issues import services as issue_services
from taiga.projects.models import Swimlane
from taiga.projects.services import values
from taiga.projects.tasks import services as task_services
from taiga.projects.userstories import services as userstory_services
from taiga.users.models import User
from tests.events.test_backend_events_crud import (  # api_client: the `api` fixture
    api_client,  # noqa: F401
    emitted,
)


@pytest.fixture
def board(project, owner) -> dict:
    """Swimlanes A and B, a sprint, stories a (A), b (A), c (B), with one task on a."""
    lane_a = values.create_value(Swimlane, project=project, name="A")
    lane_b = values.create_value(Swimlane, project=project, name="B")
    stories = {
        name: userstory_services.create_userstory(
            project=project, owner=owner, subject=name, swimlane=lane
        )
        for name, lane in (("a", lane_a), ("b", lane_a), ("c", lane_b))
    }
    task = task_services.create_task(
        project=project, owner=owner, subject="t", user_story=stories["a"]
    )
    sprint = project.milestones.create(
        name="S", slug="s", estimated_start="2025-01-06", estimated_finish="2025-01-17"
    )
    return {"A": lane_a, "B": lane_b, "sprint": sprint, "task": task, **stories}


def post(api: APIClient, url: str, body: dict) -> None:
    response = api.post(f"/api/v1/{url}", body, format="json")
    assert response.status_code in (200, 204), response.content


def test_kanban_order(api, project, board, events) -> None:
    new, ready = project.us_statuses.get(slug="new"), project.us_statuses.get(slug="ready")
    events.clear()

    post(
        api,
        "userstories/bulk_update_kanban_order",
        {
            "project_id": project.pk,
            "status_id": new.pk,
            "swimlane_id": board["B"].pk,
            "before_userstory_id": board["c"].pk,
            "bulk_userstories": [board["b"].pk],
        },
    )
    post(
        api,
        "userstories/bulk_update_kanban_order",
        {"project_id": project.pk, "status_id": ready.pk, "bulk_userstories": [board["a"].pk]},
    )

    assert emitted(events, project) == [
        ("change", "userstories.userstory", [board["b"].pk]),  # c is already above b
        ("change", "userstories.userstory", [board["a"].pk]),
    ]


def test_backlog_and_sprint_orders_carry_the_tasks(api, project, board, events) -> None:
    sprint = board["sprint"].pk
    events.clear()

    post(
        api,
        "userstories/bulk_update_backlog_order",
        {"project_id": project.pk, "milestone_id": sprint, "bulk_userstories": [board["a"].pk]},
    )
    post(
        api,
        "userstories/bulk_update_sprint_order",
        {
            "project_id": project.pk,
            "milestone_id": sprint,
            "before_userstory_id": board["a"].pk,
            "bulk_userstories": [board["c"].pk],
        },
    )

    assert emitted(events, project) == [
        ("change", "userstories.userstory", [board["a"].pk]),
        ("change", "tasks.task", [board["task"].pk]),
        ("change", "userstories.userstory", [board["c"].pk]),  # a keeps its order
    ]


def test_bulk_update_milestone(api, project, board, events) -> None:
    events.clear()

    post(
        api,
        "userstories/bulk_update_milestone",
        {
            "project_id": project.pk,
            "milestone_id": board["sprint"].pk,
            "bulk_stories": [
                {"us_id": board["c"].pk, "order": 1},
                {"us_id": board["a"].pk, "order": 2},
            ],
        },
    )

    assert emitted(events, project) == [
        ("change", "userstories.userstory", [board["c"].pk, board["a"].pk]),
        ("change", "tasks.task", [board["task"].pk]),
    ]


@pytest.mark.parametrize(
    ("url", "matches", "ids_param", "statuses"),
    [
        ("userstories", "userstories.userstory", "bulk_userstories", "us_statuses"),
        ("tasks", "tasks.task", "bulk_tasks", "task_statuses"),
        ("issues", "issues.issue", "bulk_issues", "issue_statuses"),
        ("epics", "epics.epic", "bulk_epics", "epic_statuses"),
    ],
)
def test_bulk_status_and_assignment_emit_the_changed_ids(
    api, project, owner, events, url, matches, ids_param, statuses
) -> None:
    create = {
        "userstories": userstory_services.create_userstory,
        "tasks": task_services.create_task,
        "issues": issue_services.create_issue,
        "epics": epic_services.create_epic,
    }[url]
    done = getattr(project, statuses).last()
    ids = [create(project=project, owner=owner, subject=s).pk for s in "xyz"]
    create(project=project, owner=owner, subject="already done", status=done)
    already = type(done).objects.get(pk=done.pk)
    events.clear()

    post(
        api,
        f"{url}/bulk_update_status",
        {"project_id": project.pk, "status_id": already.pk, ids_param: [*ids, ids[0] + 3]},
    )
    post(
        api,
        f"{url}/bulk_update_assigned_to",
        {"project_id": project.pk, "assigned_to": owner.pk, ids_param: ids[:2]},
    )

    assert emitted(events, project) == [("change", matches, ids), ("change", matches, ids[:2])]


def test_task_and_epic_orders(api, project, owner, board, events) -> None:
    other = task_services.create_task(project=project, owner=owner, subject="o")
    epic = epic_services.create_epic(project=project, owner=owner, subject="E")
    events.clear()

    tasks = [{"task_id": other.pk, "order": 1}, {"task_id": board["task"].pk, "order": 2}]
    post(api, "tasks/bulk_update_taskboard_order", {"project_id": project.pk, "bulk_tasks": tasks})
    post(api, "tasks/bulk_update_us_order", {"project_id": project.pk, "bulk_tasks": tasks[:1]})
    post(
        api,
        "tasks/bulk_update_milestone",
        {"project_id": project.pk, "milestone_id": board["sprint"].pk, "bulk_tasks": tasks},
    )
    post(
        api,
        "epics/bulk_update_epic_order",
        {"project_id": project.pk, "bulk_epics": [{"epic_id": epic.pk, "order": 1}]},
    )

    both = [other.pk, board["task"].pk]
    assert emitted(events, project) == [
        ("change", "tasks.task", both),
        ("change", "tasks.task", [other.pk]),
        ("change", "tasks.task", sorted(both)),  # same orders, new milestone
        ("change", "epics.epic", [epic.pk]),
    ]


def test_issues_into_a_sprint(api, project, owner, board, events) -> None:
    issues = [issue_services.create_issue(project=project, owner=owner, subject=s) for s in "xy"]
    events.clear()

    post(
        api,
        "issues/bulk_update_milestone",
        {
            "project_id": project.pk,
            "milestone_id": board["sprint"].pk,
            "bulk_issues": [{"issue_id": issue.pk} for issue in issues],
        },
    )

    assert emitted(events, project) == [("change", "issues.issue", [i.pk for i in issues])]


def test_epic_related_user_stories(api, project, owner, board, events) -> None:
    epic = epic_services.create_epic(project=project, owner=owner, subject="E")
    epic_services.relate_userstory(epic, board["a"])
    events.clear()
    url = f"epics/{epic.pk}/related_userstories"

    post(
        api,
        f"{url}/bulk_update_order",
        {"bulk_userstories": [{"us_id": board["a"].pk, "order": 1}]},
    )
    post(api, f"{url}/bulk_create", {"project_id": project.pk, "bulk_userstories": "x\ny"})

    new = list(
        epic.user_stories.exclude(pk=board["a"].pk).order_by("pk").values_list("pk", flat=True)
    )
    assert len(new) == 2
    assert emitted(events, project) == [
        ("change", "epics.epic", [epic.pk]),
        *[("create", "userstories.userstory", pk) for pk in new],
        ("change", "epics.epic", [epic.pk]),
    ]


def test_value_orders(api, project, board, events) -> None:
    statuses = list(project.us_statuses.values_list("pk", flat=True)[:2])
    events.clear()

    post(
        api,
        "swimlanes/bulk_update_order",
        {"project": project.pk, "bulk_swimlanes": [[board["B"].pk, 1], [board["A"].pk, 2]]},
    )
    post(
        api,
        "userstory-statuses/bulk_update_order",
        {"project": project.pk, "bulk_userstory_statuses": [[pk, 9] for pk in statuses]},
    )
    post(
        api,
        "priorities/bulk_update_order",
        {"project": project.pk, "bulk_priorities": [[project.priorities.first().pk, 9]]},
    )

    assert emitted(events, project) == [
        ("change", "projects.swimlane", [board["B"].pk, board["A"].pk]),
        ("change", "projects.userstorystatus", statuses),
    ]  # priorities are not watched: no event


def test_refused_bulk_calls_emit_nothing(project, owner, board, events) -> None:
    outsider = User.objects.create_user(username="outsider", password="x")
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_access_token(outsider)}")
    member = APIClient()
    member.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_access_token(owner)}")
    status = project.us_statuses.last().pk
    good = {"project_id": project.pk, "status_id": status, "bulk_userstories": [board["a"].pk]}
    events.clear()

    codes = [
        stranger.post("/api/v1/userstories/bulk_update_status", good, format="json"),
        member.post(
            "/api/v1/userstories/bulk_update_status",
            {**good, "bulk_userstories": [board["a"].pk, 999999]},
            format="json",
        ),
        member.post(
            "/api/v1/userstories/bulk_update_kanban_order",
            {**good, "after_userstory_id": board["a"].pk},
            format="json",
        ),
        APIClient().post("/api/v1/userstories/bulk_update_status", good, format="json"),
    ]

    assert [r.status_code for r in codes] == [403, 400, 400, 401]
    assert events == []
