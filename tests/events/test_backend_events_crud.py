"""The exact events each single-object create, update and delete of the API emits, as the
broker receives them (after commit, with the request's session id)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from taiga.auth.tokens import issue_access_token
from taiga.projects.models import Swimlane, SwimlaneUserStoryStatus
from taiga.projects.services import values
from taiga.projects.userstories import services as userstory_services
from taiga.users.models import User
from tests.events.conftest import Captured

SESSION = "tab-1"


@pytest.fixture(name="api")
def api_client(owner: User) -> APIClient:
    """An API client of the project's owner, sending ``x-session-id: SESSION``."""
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {issue_access_token(owner)}", HTTP_X_SESSION_ID=SESSION
    )
    return client


def emitted(events: Captured, project) -> list[tuple[str, str, int | list[int]]]:
    """(type, matches, pk) of each event, checking its routing key and session."""
    prefix = f"changes.project.{project.pk}."
    for key, envelope in events:
        assert key == prefix + envelope["data"]["matches"]
        assert envelope["session_id"] == SESSION
    return [(d["type"], d["matches"], d["pk"]) for d in events.data()]


CRUD = [
    ("userstories", "userstories.userstory", {"subject": "s"}, {"subject": "t"}),
    ("tasks", "tasks.task", {"subject": "s"}, {"subject": "t"}),
    ("issues", "issues.issue", {"subject": "s"}, {"subject": "t"}),
    ("epics", "epics.epic", {"subject": "s"}, {"subject": "t"}),
    (
        "milestones",
        "milestones.milestone",
        {"name": "S1", "estimated_start": "2025-01-06", "estimated_finish": "2025-01-17"},
        {"closed": True},
    ),
    ("wiki", "wiki.wiki_page", {"slug": "home"}, {"content": "Hi"}),
    ("userstory-statuses", "projects.userstorystatus", {"name": "Blocked"}, {"wip_limit": 2}),
    ("swimlanes", "projects.swimlane", {"name": "Lane"}, {"name": "Renamed"}),
]


@pytest.mark.parametrize(("url", "matches", "create", "change"), CRUD)
def test_create_change_delete_emit_one_event_each(
    api, project, events: Captured, url, matches, create, change
) -> None:
    events.clear()

    pk = api.post(f"/api/v1/{url}", {"project": project.pk, **create}).json()["id"]
    api.patch(f"/api/v1/{url}/{pk}", change)
    api.delete(f"/api/v1/{url}/{pk}")

    own = [event for event in emitted(events, project) if event[1] == matches]
    assert own == [("create", matches, pk), ("change", matches, pk), ("delete", matches, pk)]


def test_a_new_swimlane_brings_one_create_per_cell(api, project, owner, events) -> None:
    story = userstory_services.create_userstory(project=project, owner=owner, subject="s")
    events.clear()

    pk = api.post("/api/v1/swimlanes", {"project": project.pk, "name": "Lane"}).json()["id"]

    cells = SwimlaneUserStoryStatus.objects.filter(swimlane=pk).order_by("pk")
    cells = list(cells.values_list("pk", flat=True))
    assert len(cells) == 6
    assert emitted(events, project) == [
        ("create", "projects.swimlane", pk),
        ("change", "userstories.userstory", [story.pk]),
        *[("create", "projects.swimlaneuserstorystatus", cell) for cell in cells],
    ]


def test_a_new_status_brings_one_create_per_cell(api, project, events) -> None:
    lanes = [values.create_value(Swimlane, project=project, name=name) for name in "AB"]
    events.clear()

    pk = api.post("/api/v1/userstory-statuses", {"project": project.pk, "name": "B"}).json()["id"]

    cells = [SwimlaneUserStoryStatus.objects.get(swimlane=lane, status=pk).pk for lane in lanes]
    assert emitted(events, project) == [
        ("create", "projects.userstorystatus", pk),
        *[("create", "projects.swimlaneuserstorystatus", cell) for cell in cells],
    ]


def test_a_cell_change_and_a_swimlane_deletion(api, project, owner, events) -> None:
    lane = values.create_value(Swimlane, project=project, name="Lane")
    other = values.create_value(Swimlane, project=project, name="Other")
    story = userstory_services.create_userstory(project=project, owner=owner, subject="s")
    cells = list(lane.statuses.values_list("pk", flat=True))
    events.clear()

    api.patch(f"/api/v1/swimlane-userstory-statuses/{cells[0]}", {"wip_limit": 4})
    api.delete(f"/api/v1/swimlanes/{lane.pk}?moveTo={other.pk}")

    assert emitted(events, project)[0] == ("change", "projects.swimlaneuserstorystatus", cells[0])
    rest = emitted(events, project)[1:]
    assert rest[0] == ("change", "userstories.userstory", [story.pk])
    assert sorted(rest[1:-1]) == [
        ("delete", "projects.swimlaneuserstorystatus", cell) for cell in sorted(cells)
    ]
    assert rest[-1] == ("delete", "projects.swimlane", lane.pk)


def test_deleting_a_status_in_use_moves_its_stories_first(api, project, owner, events) -> None:
    new, done = project.us_statuses.get(slug="new"), project.us_statuses.get(slug="done")
    story = userstory_services.create_userstory(project=project, owner=owner, subject="s")
    events.clear()

    refused = api.delete(f"/api/v1/userstory-statuses/{new.pk}")
    moved = api.delete(f"/api/v1/userstory-statuses/{new.pk}?moveTo={done.pk}")

    assert (refused.status_code, moved.status_code) == (409, 204)
    assert emitted(events, project) == [
        ("change", "userstories.userstory", [story.pk]),
        ("delete", "projects.userstorystatus", new.pk),
    ]


def test_deleting_a_sprint_moves_its_work_to_the_backlog(api, project, owner, events) -> None:
    sprint = api.post(
        "/api/v1/milestones",
        {
            "project": project.pk,
            "name": "S",
            "estimated_start": "2025-01-06",
            "estimated_finish": "2025-01-17",
        },
    ).json()["id"]
    story = userstory_services.create_userstory(
        project=project, owner=owner, subject="s", milestone_id=sprint
    )
    task = api.post(
        "/api/v1/tasks", {"project": project.pk, "subject": "t", "user_story": story.pk}
    ).json()["id"]
    events.clear()

    api.delete(f"/api/v1/milestones/{sprint}")

    assert emitted(events, project) == [
        ("change", "userstories.userstory", [story.pk]),
        ("change", "tasks.task", [task]),
        ("delete", "milestones.milestone", sprint),
    ]


def test_a_story_changing_sprint_takes_its_tasks(api, project, owner, events) -> None:
    story = userstory_services.create_userstory(project=project, owner=owner, subject="s")
    task = api.post(
        "/api/v1/tasks", {"project": project.pk, "subject": "t", "user_story": story.pk}
    ).json()["id"]
    sprint = project.milestones.create(
        name="S", slug="s", estimated_start="2025-01-06", estimated_finish="2025-01-17"
    )
    events.clear()

    api.patch(f"/api/v1/userstories/{story.pk}", {"milestone": sprint.pk})

    assert emitted(events, project) == [
        ("change", "userstories.userstory", story.pk),
        ("change", "tasks.task", [task]),
    ]


def test_epic_relations_are_changes_of_the_epic(api, project, owner, events) -> None:
    epic = api.post("/api/v1/epics", {"project": project.pk, "subject": "E"}).json()["id"]
    story = userstory_services.create_userstory(project=project, owner=owner, subject="s")
    url = f"/api/v1/epics/{epic}/related_userstories"
    events.clear()

    api.post(url, {"user_story": story.pk})
    api.patch(f"{url}/{story.pk}", {"order": 3})
    api.delete(f"{url}/{story.pk}")

    assert emitted(events, project) == [("change", "epics.epic", epic)] * 3


def test_deleting_a_story_changes_its_epics_and_deletes_its_tasks(
    api, project, owner, events
) -> None:
    epic = api.post("/api/v1/epics", {"project": project.pk, "subject": "E"}).json()["id"]
    story = userstory_services.create_userstory(project=project, owner=owner, subject="s")
    api.post(f"/api/v1/epics/{epic}/related_userstories", {"user_story": story.pk})
    task = api.post(
        "/api/v1/tasks", {"project": project.pk, "subject": "t", "user_story": story.pk}
    ).json()["id"]
    events.clear()

    api.delete(f"/api/v1/userstories/{story.pk}")

    assert emitted(events, project) == [
        ("delete", "tasks.task", task),
        ("delete", "userstories.userstory", story.pk),
        ("change", "epics.epic", [epic]),
    ]


def test_forbidden_and_invalid_requests_emit_nothing(project, owner, events) -> None:
    outsider = User.objects.create_user(username="outsider", password="x")
    story = userstory_services.create_userstory(project=project, owner=owner, subject="s")
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_access_token(outsider)}")
    member = APIClient()
    member.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_access_token(owner)}")
    events.clear()

    responses = [
        stranger.post("/api/v1/userstories", {"project": project.pk, "subject": "x"}),
        stranger.patch(f"/api/v1/userstories/{story.pk}", {"subject": "x"}),
        stranger.delete(f"/api/v1/userstories/{story.pk}"),
        member.post("/api/v1/userstories", {"project": project.pk, "subject": ""}),
        member.patch(f"/api/v1/userstories/{story.pk}", {"subject": "x", "version": 9}),
        member.patch(f"/api/v1/userstories/{story.pk}", {"status": 999999}),
        APIClient().delete(f"/api/v1/userstories/{story.pk}"),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 400, 409, 400, 401]
    assert events == []
