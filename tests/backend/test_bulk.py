"""The bulk operations: what they change, what they answer, and what they refuse."""

from __future__ import annotations

import pytest
from django.conf import settings

from taiga.projects import services as project_services
from taiga.projects.epics import services as epic_services
from taiga.projects.epics.models import Epic
from taiga.projects.issues import services as issue_services
from taiga.projects.issues.models import Issue
from taiga.projects.models import Swimlane
from taiga.projects.services import values
from taiga.projects.tasks import services as task_services
from taiga.projects.tasks.models import Task
from taiga.projects.userstories import services as userstory_services
from taiga.projects.userstories.models import UserStory

pytestmark = pytest.mark.django_db

US = "/api/v1/userstories"


@pytest.fixture
def board(project, owner):
    """Two swimlanes, a sprint, and stories a-d (a and b in lane A, c and d in lane B)."""
    lane_a = values.create_value(Swimlane, project=project, name="A")
    lane_b = values.create_value(Swimlane, project=project, name="B")
    sprint = project.milestones.create(
        name="S1", slug="s1", estimated_start="2025-01-06", estimated_finish="2025-01-17"
    )
    stories = {
        name: userstory_services.create_userstory(
            project=project, owner=owner, subject=name, swimlane=lane
        )
        for name, lane in (("a", lane_a), ("b", lane_a), ("c", lane_b), ("d", lane_b))
    }
    return {"A": lane_a, "B": lane_b, "sprint": sprint, **stories}


def snapshot(*models) -> list[dict]:
    return [row for model in models for row in model.objects.order_by("pk").values()]


def cell(status, swimlane) -> list[str]:
    stories = UserStory.objects.filter(status=status, swimlane=swimlane)
    return list(stories.order_by("kanban_order", "id").values_list("subject", flat=True))


def test_kanban_order_moves_stories_into_a_cell_at_a_place(client_for, member, project, board):
    new = project.us_statuses.get(slug="new")
    client = client_for(member)

    response = client.post(
        f"{US}/bulk_update_kanban_order",
        {
            "project_id": project.pk,
            "status_id": new.pk,
            "swimlane_id": board["B"].pk,
            "after_userstory_id": board["c"].pk,
            "bulk_userstories": [board["b"].pk, board["a"].pk],
        },
    )

    assert response.status_code == 200, response.content
    c_order = UserStory.objects.get(pk=board["c"].pk).kanban_order
    assert response.json() == [
        {"id": board[n].pk, "status": new.pk, "swimlane": board["B"].pk, "kanban_order": o}
        for n, o in (("b", c_order + 1), ("a", c_order + 2))
    ]  # d, created after c, is already above the block: it keeps its order
    assert cell(new, board["B"]) == ["c", "b", "a", "d"]
    assert cell(new, board["A"]) == []
    versions = dict(UserStory.objects.values_list("subject", "version"))
    assert versions == {"a": 2, "b": 2, "c": 1, "d": 1}


def test_kanban_order_without_anchor_puts_stories_first_and_changes_status(
    client_for, member, project, board
):
    done = project.us_statuses.get(slug="done")
    userstory_services.update_userstory(board["c"], {"status": done})

    client_for(member).post(
        f"{US}/bulk_update_kanban_order",
        {"project_id": project.pk, "status_id": done.pk, "bulk_userstories": [board["d"].pk]},
    )

    assert cell(done, None) == ["d"]
    assert cell(done, board["B"]) == ["c"]


def test_backlog_order_moves_stories_and_their_tasks_into_a_sprint(
    client_for, member, owner, project, board
):
    task = task_services.create_task(
        project=project, owner=owner, subject="t", user_story=board["a"]
    )
    client = client_for(member)

    into_sprint = client.post(
        f"{US}/bulk_update_backlog_order",
        {
            "project_id": project.pk,
            "milestone_id": board["sprint"].pk,
            "bulk_userstories": [board["a"].pk, board["c"].pk],
        },
    )
    after_a = client.post(
        f"{US}/bulk_update_sprint_order",
        {
            "project_id": project.pk,
            "milestone_id": board["sprint"].pk,
            "after_userstory_id": board["a"].pk,
            "bulk_userstories": [board["d"].pk],
        },
    )
    back = client.post(
        f"{US}/bulk_update_backlog_order",
        {
            "project_id": project.pk,
            "milestone_id": None,
            "before_userstory_id": board["b"].pk,
            "bulk_userstories": [board["a"].pk],
        },
    )

    sprint = board["sprint"].pk
    assert into_sprint.json() == [
        {"id": board["a"].pk, "milestone": sprint, "sprint_order": 1},
        {"id": board["c"].pk, "milestone": sprint, "sprint_order": 2},
    ]
    assert after_a.json() == [
        {"id": board["d"].pk, "milestone": sprint, "sprint_order": 2},
        {"id": board["c"].pk, "milestone": sprint, "sprint_order": 3},
    ]
    assert [o["id"] for o in back.json()] == [board["a"].pk]  # b is already above 1
    assert {o["milestone"] for o in back.json()} == {None}
    in_sprint = UserStory.objects.filter(milestone=sprint).order_by("sprint_order")
    assert list(in_sprint.values_list("subject", flat=True)) == ["d", "c"]
    backlog = UserStory.objects.filter(milestone=None).order_by("backlog_order", "id")
    assert list(backlog.values_list("subject", flat=True)) == ["a", "b"]
    task.refresh_from_db()
    assert (task.milestone, task.version) == (None, 3)


def test_bulk_update_milestone_sets_sprint_and_orders(client_for, member, owner, project, board):
    task = task_services.create_task(
        project=project, owner=owner, subject="t", user_story=board["b"]
    )

    response = client_for(member).post(
        f"{US}/bulk_update_milestone",
        {
            "project_id": project.pk,
            "milestone_id": board["sprint"].pk,
            "bulk_stories": [
                {"us_id": board["b"].pk, "order": 7},
                {"us_id": board["d"].pk, "order": 3},
            ],
        },
    )

    assert response.status_code == 204
    moved = UserStory.objects.filter(milestone=board["sprint"]).order_by("sprint_order")
    assert list(moved.values_list("subject", "sprint_order")) == [("d", 3), ("b", 7)]
    task.refresh_from_db()
    assert task.milestone == board["sprint"]


@pytest.mark.parametrize(
    ("url", "ids_param", "statuses"),
    [
        ("userstories", "bulk_userstories", "us_statuses"),
        ("tasks", "bulk_tasks", "task_statuses"),
        ("issues", "bulk_issues", "issue_statuses"),
        ("epics", "bulk_epics", "epic_statuses"),
    ],
)
def test_bulk_status_and_assignment(
    client_for, owner, member, outsider, project, url, ids_param, statuses
):
    create = {
        "userstories": userstory_services.create_userstory,
        "tasks": task_services.create_task,
        "issues": issue_services.create_issue,
        "epics": epic_services.create_epic,
    }[url]
    items = [create(project=project, owner=owner, subject=s) for s in "xy"]
    ids = [item.pk for item in items]
    last = getattr(project, statuses).last()
    client = client_for(member)

    status = client.post(
        f"/api/v1/{url}/bulk_update_status",
        {"project_id": project.pk, "status_id": last.pk, ids_param: ids},
    )
    assigned = client.post(
        f"/api/v1/{url}/bulk_update_assigned_to",
        {"project_id": project.pk, "assigned_to": member.pk, ids_param: ids},
    )
    not_member = client.post(
        f"/api/v1/{url}/bulk_update_assigned_to",
        {"project_id": project.pk, "assigned_to": outsider.pk, ids_param: ids},
    )

    assert (status.status_code, assigned.status_code) == (204, 204)
    assert not_member.status_code == 400
    assert not_member.json() == {
        "assigned_to": [f"There is no assigned to {outsider.pk} in this project."]
    }
    model = type(items[0])
    rows = model.objects.filter(pk__in=ids).values_list("status", "assigned_to", "version")
    assert set(rows) == {(last.pk, member.pk, 3)}


def test_bulk_assignment_of_stories_sets_their_assigned_users(
    client_for, owner, member, project, board
):
    userstory_services.update_userstory(board["a"], {"assigned_users": [owner]})

    client_for(member).post(
        f"{US}/bulk_update_assigned_to",
        {"project_id": project.pk, "assigned_to": member.pk, "bulk_userstories": [board["a"].pk]},
    )
    client_for(member).post(
        f"{US}/bulk_update_assigned_to",
        {"project_id": project.pk, "assigned_to": None, "bulk_userstories": [board["b"].pk]},
    )

    assert list(board["a"].assigned_users.all()) == [member]
    assert list(board["b"].assigned_users.all()) == []


def test_task_orders(client_for, owner, member, project, board):
    tasks = [
        task_services.create_task(project=project, owner=owner, subject=s, user_story=board["a"])
        for s in "xyz"
    ]
    body = {
        "project_id": project.pk,
        "bulk_tasks": [{"task_id": tasks[2].pk, "order": 1}, {"task_id": tasks[0].pk, "order": 2}],
    }
    client = client_for(member)

    taskboard = client.post("/api/v1/tasks/bulk_update_taskboard_order", body)
    us_order = client.post("/api/v1/tasks/bulk_update_us_order", body)
    to_sprint = client.post(
        "/api/v1/tasks/bulk_update_milestone", {**body, "milestone_id": board["sprint"].pk}
    )

    assert taskboard.json() == [
        {"id": tasks[2].pk, "taskboard_order": 1},
        {"id": tasks[0].pk, "taskboard_order": 2},
    ]
    assert [o["us_order"] for o in us_order.json()] == [1, 2]
    assert to_sprint.status_code == 204
    assert list(
        Task.objects.filter(milestone=board["sprint"]).values_list("subject", flat=True)
    ) == ["z", "x"]


def test_issues_move_to_a_sprint(client_for, owner, member, project, board):
    issue = issue_services.create_issue(project=project, owner=owner, subject="i")

    response = client_for(member).post(
        "/api/v1/issues/bulk_update_milestone",
        {
            "project_id": project.pk,
            "milestone_id": board["sprint"].pk,
            "bulk_issues": [{"issue_id": issue.pk}],
        },
    )

    assert response.status_code == 204
    assert Issue.objects.get().milestone == board["sprint"]


def test_epic_orders_and_related_user_stories(client_for, owner, member, project, board):
    epics = [epic_services.create_epic(project=project, owner=owner, subject=s) for s in "EF"]
    for story in (board["a"], board["b"]):
        epic_services.relate_userstory(epics[0], story)
    client = client_for(member)
    related = f"/api/v1/epics/{epics[0].pk}/related_userstories"

    epic_order = client.post(
        "/api/v1/epics/bulk_update_epic_order",
        {"project_id": project.pk, "bulk_epics": [{"epic_id": epics[1].pk, "order": 1}]},
    )
    reordered = client.post(
        f"{related}/bulk_update_order",
        {"bulk_userstories": [{"us_id": board["b"].pk, "order": 1}]},
    )
    not_related = client.post(
        f"{related}/bulk_update_order",
        {"bulk_userstories": [{"us_id": board["c"].pk, "order": 1}]},
    )
    created = client.post(
        f"{related}/bulk_create",
        {"project_id": project.pk, "bulk_userstories": "First new\n\n  Second new  \n"},
    )

    assert epic_order.json() == [{"id": epics[1].pk, "epics_order": 1}]
    assert reordered.json() == [{"user_story": board["b"].pk, "order": 1}]
    assert not_related.status_code == 400
    assert created.status_code == 200, created.content
    subjects = [s.subject for s in Epic.objects.get(pk=epics[0].pk).user_stories.all()]
    assert sorted(subjects) == ["First new", "Second new", "a", "b"]
    news = UserStory.objects.filter(subject__endswith=" new").order_by("ref")
    assert [(s.ref, s.swimlane, s.status.slug) for s in news] == [
        (7, board["A"], "new"),
        (8, board["A"], "new"),
    ]


def _bodies(project, board, other_story):
    """(url, body, field in the 400 answer, words in its message) of bad bulk calls."""
    p, a, b = project.pk, board["a"].pk, board["b"].pk
    status = project.us_statuses.first().pk
    too_many = list(range(1, settings.API_MAX_BULK_ITEMS + 2))
    kanban = f"{US}/bulk_update_kanban_order"
    backlog = f"{US}/bulk_update_backlog_order"
    return [
        (
            kanban,
            {"project_id": p, "status_id": "new", "bulk_userstories": [a]},
            "status_id",
            "A valid integer is required.",
        ),
        (
            kanban,
            {"project_id": p, "status_id": status, "bulk_userstories": "a"},
            "bulk_userstories",
            'Expected a list of items but got type "str".',
        ),
        (
            kanban,
            {"project_id": p, "status_id": status, "bulk_userstories": [a, "x"]},
            "bulk_userstories",
            "A valid integer is required.",
        ),
        (
            kanban,
            {"project_id": p, "status_id": status, "bulk_userstories": []},
            "bulk_userstories",
            "This list may not be empty.",
        ),
        (
            kanban,
            {"project_id": p, "status_id": status, "bulk_userstories": too_many},
            "bulk_userstories",
            f"no more than {settings.API_MAX_BULK_ITEMS} elements",
        ),
        (
            kanban,
            {"project_id": p, "status_id": status, "bulk_userstories": [a, 999999]},
            "bulk_userstories",
            "No user story in this project has the id 999999.",
        ),
        (
            kanban,
            {"project_id": p, "status_id": status, "bulk_userstories": [a, other_story]},
            "bulk_userstories",
            f"No user story in this project has the id {other_story}.",
        ),
        (
            kanban,
            {"project_id": p, "status_id": status, "bulk_userstories": [a, b, a]},
            "bulk_userstories",
            f"Repeated ids: {a}.",
        ),
        (
            kanban,
            {"project_id": p, "status_id": 999999, "bulk_userstories": [a]},
            "status_id",
            "There is no user story status 999999 in this project.",
        ),
        (
            kanban,
            {"project_id": 999999, "status_id": status, "bulk_userstories": [a]},
            "project_id",
            "There is no project with id 999999 that you can see.",
        ),
        (
            kanban,
            {"status_id": status, "bulk_userstories": [a]},
            "project_id",
            "This field is required.",
        ),
        (
            kanban,
            {
                "project_id": p,
                "status_id": status,
                "bulk_userstories": [a],
                "after_userstory_id": b,
                "before_userstory_id": b,
            },
            "before_userstory_id",
            "not both",
        ),
        (
            kanban,
            {
                "project_id": p,
                "status_id": status,
                "bulk_userstories": [a],
                "after_userstory_id": a,
            },
            "after_userstory_id",
            "is being moved",
        ),
        (
            backlog,
            {
                "project_id": p,
                "milestone_id": board["sprint"].pk,
                "bulk_userstories": [a],
                "before_userstory_id": b,
            },
            "before_userstory_id",
            "not at the destination",
        ),
        (
            f"{US}/bulk_update_sprint_order",
            {"project_id": p, "bulk_userstories": [a]},
            "milestone_id",
            "This field is required.",
        ),
        (
            f"{US}/bulk_update_milestone",
            {"project_id": p, "milestone_id": board["sprint"].pk, "bulk_stories": [{"us_id": a}]},
            "bulk_stories",
            "This field is required.",
        ),
        (
            "/api/v1/tasks/bulk_update_taskboard_order",
            {"project_id": p, "bulk_tasks": [a]},
            "bulk_tasks",
            "Invalid data. Expected a dictionary",
        ),
        (
            "/api/v1/epics/bulk_update_epic_order",
            {"project_id": p, "bulk_epics": None},
            "bulk_epics",
            "This field may not be null.",
        ),
    ]


def test_bad_bulk_bodies_are_a_clear_400_and_change_nothing(
    client_for, owner, member, project, board
):
    other = project_services.create_project(owner=owner, name="Other")
    other_story = userstory_services.create_userstory(project=other, owner=owner, subject="o")
    client = client_for(member)
    before = snapshot(UserStory, Task)

    for url, body, field, words in _bodies(project, board, other_story.pk):
        response = client.post(url, body, format="json")
        assert response.status_code == 400, (url, body, response.content)
        assert field in response.json(), (body, response.json())
        assert words in str(response.json()[field]), (body, response.json())

    assert snapshot(UserStory, Task) == before


def test_oversized_bodies_are_a_400(client_for, member, project, board, settings):
    settings.API_MAX_BODY_BYTES = 100
    body = {"project_id": project.pk, "status_id": 1, "bulk_userstories": [board["a"].pk] * 50}

    response = client_for(member).post(f"{US}/bulk_update_kanban_order", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "The request body is larger than the limit of 100 bytes."}


def _valid_bodies(project, board, owner) -> list[tuple[str, dict, str]]:
    """(url, a valid body, the permission it needs) of every bulk operation."""
    p, a, sprint = project.pk, board["a"].pk, board["sprint"].pk
    task = task_services.create_task(project=project, owner=owner, subject="t").pk
    issue = issue_services.create_issue(project=project, owner=owner, subject="i").pk
    epic = epic_services.create_epic(project=project, owner=owner, subject="e")
    epic_services.relate_userstory(epic, board["a"])
    status = {"status_id": project.us_statuses.last().pk}
    stories, tasks = {"bulk_userstories": [a]}, {"bulk_tasks": [{"task_id": task, "order": 1}]}
    epics = {"bulk_epics": [epic.pk]}
    related = f"epics/{epic.pk}/related_userstories"
    return [
        ("userstories/bulk_update_backlog_order", stories, "modify_us"),
        ("userstories/bulk_update_sprint_order", {**stories, "milestone_id": sprint}, "modify_us"),
        ("userstories/bulk_update_kanban_order", {**stories, **status}, "modify_us"),
        ("userstories/bulk_update_status", {**stories, **status}, "modify_us"),
        ("userstories/bulk_update_assigned_to", {**stories, "assigned_to": None}, "modify_us"),
        (
            "userstories/bulk_update_milestone",
            {"milestone_id": sprint, "bulk_stories": [{"us_id": a, "order": 1}]},
            "modify_us",
        ),
        ("tasks/bulk_update_taskboard_order", tasks, "modify_task"),
        ("tasks/bulk_update_us_order", tasks, "modify_task"),
        ("tasks/bulk_update_milestone", {**tasks, "milestone_id": sprint}, "modify_task"),
        (
            "tasks/bulk_update_status",
            {"bulk_tasks": [task], "status_id": project.task_statuses.last().pk},
            "modify_task",
        ),
        (
            "issues/bulk_update_milestone",
            {"milestone_id": sprint, "bulk_issues": [{"issue_id": issue}]},
            "modify_issue",
        ),
        (
            "issues/bulk_update_assigned_to",
            {"bulk_issues": [issue], "assigned_to": None},
            "modify_issue",
        ),
        (
            "epics/bulk_update_epic_order",
            {"bulk_epics": [{"epic_id": epic.pk, "order": 1}]},
            "modify_epic",
        ),
        ("epics/bulk_update_assigned_to", {**epics, "assigned_to": None}, "modify_epic"),
        (
            f"{related}/bulk_update_order",
            {"bulk_userstories": [{"us_id": a, "order": 1}]},
            "modify_epic",
        ),
        (f"{related}/bulk_create", {"bulk_userstories": "x"}, "modify_epic"),
        (
            "swimlanes/bulk_update_order",
            {"project": p, "bulk_swimlanes": [[board["A"].pk, 3]]},
            "admin_project_values",
        ),
        (
            "userstory-statuses/bulk_update_order",
            {"project": p, "bulk_userstory_statuses": [[status["status_id"], 1]]},
            "admin_project_values",
        ),
    ]


def test_every_bulk_operation_needs_its_permission(
    client_for, owner, member, outsider, project, board
):
    bodies = _valid_bodies(project, board, owner)
    before = snapshot(UserStory, Task, Issue, Epic)

    for url, body, permission in bodies:
        body = {"project_id": project.pk, **body}
        response = client_for(outsider).post(f"/api/v1/{url}", body, format="json")
        assert response.status_code == 403, (url, response.content)
        assert response.json()["detail"] == (
            f"You need the {permission!r} permission in project 'Public Project'."
        )
    assert snapshot(UserStory, Task, Issue, Epic) == before
    for url, body, permission in bodies:
        client = client_for(owner if permission == "admin_project_values" else member)
        response = client.post(f"/api/v1/{url}", {"project_id": project.pk, **body}, format="json")
        assert response.status_code in (200, 204), (url, response.content)


def test_bulk_operations_cannot_reach_into_private_projects(
    client_for, outsider, owner, private_project
):
    story = userstory_services.create_userstory(project=private_project, owner=owner, subject="s")

    response = client_for(outsider).post(
        f"{US}/bulk_update_status",
        {
            "project_id": private_project.pk,
            "status_id": private_project.us_statuses.last().pk,
            "bulk_userstories": [story.pk],
        },
    )

    assert response.status_code == 400
    assert "project_id" in response.json()
    assert UserStory.objects.get().version == 1


def test_a_bulk_call_rolls_back_whole(member, project, board, monkeypatch):
    from taiga.projects.services import bulk_update_order

    def fail(*args, **kwargs):
        raise RuntimeError("broken after the first write")

    monkeypatch.setattr(bulk_update_order.BulkChanges, "update", fail)
    new = project.us_statuses.get(slug="new")
    orders = dict(UserStory.objects.values_list("pk", "kanban_order"))

    with pytest.raises(RuntimeError):
        bulk_update_order.update_userstories_kanban_order(
            project, status=new, swimlane=board["B"], userstories=[board["a"]]
        )

    assert dict(UserStory.objects.values_list("pk", "kanban_order")) == orders
