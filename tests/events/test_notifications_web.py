"""Web notifications (``web_notifications.{user_id}``) of every trigger, as the broker gets
them: exact recipients, exact data, the session of the request that caused them, stored
alike, never to the person who acted nor to someone who may not view the item."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from taiga.auth.tokens import issue_access_token
from taiga.projects import services as project_services
from taiga.projects.issues import services as issue_services
from taiga.projects.models import Project
from taiga.projects.notifications.models import WebNotification
from taiga.projects.services.members import create_role
from taiga.projects.tasks import services as task_services
from taiga.projects.tasks.models import Task
from taiga.projects.userstories import services as userstory_services
from taiga.users.models import User
from tests.events.conftest import Captured

CREATED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture(name="project")
def private_project(owner: User) -> Project:
    """A private project of ``owner``."""
    return project_services.create_project(owner=owner, name="Team", is_private=True)


@pytest.fixture(name="people")
def team(project: Project, owner: User) -> dict[str, User]:
    """owner; alice and bob, developers; carol, whose role may only view the project;
    dave, who is no member."""
    people = {"owner": owner}
    for name in ("alice", "bob", "carol", "dave"):
        people[name] = User.objects.create_user(
            username=name, password="x", email=f"{name}@x.test", full_name=name.title()
        )
    people["alice"].photo = "https://example.com/alice.png"
    people["alice"].save()
    for name in ("alice", "bob"):
        project_services.add_member(project, people[name])
    guest = create_role(project=project, name="Guest", permissions=["view_project"])
    project_services.add_member(project, people["carol"], role=guest)
    WebNotification.objects.all().delete()  # of their joining: each test starts with none
    return people


@pytest.fixture(name="api")
def client_of(people: dict[str, User]) -> Callable[[str], APIClient]:
    """An API client of one of ``people``, sending ``x-session-id: {name}-tab``."""

    def client(name: str) -> APIClient:
        made = APIClient()
        made.credentials(
            HTTP_AUTHORIZATION=f"Bearer {issue_access_token(people[name])}",
            HTTP_X_SESSION_ID=f"{name}-tab",
        )
        return made

    return client


def person(user: User) -> dict:
    # The owner has no full name: the username stands for it; only alice has a photo.
    full_name = user.full_name or user.username
    photo = user.photo or None
    return {"id": user.pk, "username": user.username, "full_name": full_name, "photo": photo}


def expected(kind: str, by: User | None, project: Project, item=None, content_type=None) -> dict:
    """The data of a web notification, but for ``created``."""
    return {
        "type": kind,
        "user": person(by) if by else None,
        "project": {"id": project.pk, "name": project.name, "slug": project.slug},
        "object": None
        if item is None
        else {
            "id": item.pk,
            "ref": item.ref,
            "subject": item.subject,
            "content_type": content_type,
        },
    }


def web_notifications(events: Captured) -> list[tuple[int, str | None, dict]]:
    """(recipient id, session id, data without ``created``) of each web notification,
    checking that ``created`` is the seed's UTC form and that each was stored alike."""
    sent = []
    for key, envelope in events:
        if not key.startswith("web_notifications."):
            continue
        user_id = int(key.rpartition(".")[2])
        data = dict(envelope["data"])
        created = data.pop("created")
        assert CREATED.match(created), created
        stored = WebNotification.objects.filter(user_id=user_id, data=envelope["data"])
        assert stored.count() == 1, f"not stored as sent: {envelope['data']}"
        assert stored.get().created.strftime("%Y-%m-%dT%H:%M:%SZ") == created
        assert stored.get().type == data["type"]
        sent.append((user_id, envelope["session_id"], data))
    return sent


def test_assigning_a_task_notifies_the_assignee_only(project, people, api, events) -> None:
    task = task_services.create_task(project=project, owner=people["owner"], subject="Fix it")
    events.clear()

    response = api("alice").patch(f"/api/v1/tasks/{task.pk}", {"assigned_to": people["bob"].pk})

    assert response.status_code == 200, response.content
    assert web_notifications(events) == [
        (
            people["bob"].pk,
            "alice-tab",
            expected("assigned", people["alice"], project, task, "tasks.task"),
        )
    ]
    assert WebNotification.objects.count() == 1


def test_creating_an_issue_assigned_to_someone_notifies_them(project, people, api, events):
    events.clear()

    response = api("alice").post(
        "/api/v1/issues",
        {"project": project.pk, "subject": "Crash", "assigned_to": people["bob"].pk},
    )

    issue = project.issues.get(pk=response.json()["id"])
    assert web_notifications(events) == [
        (
            people["bob"].pk,
            "alice-tab",
            expected("assigned", people["alice"], project, issue, "issues.issue"),
        )
    ]


def test_user_story_assigned_users_are_notified_once_each(project, people, api, events):
    story = userstory_services.create_userstory(
        project=project, owner=people["owner"], subject="Story", assigned_to=people["bob"]
    )
    events.clear()

    api("alice").patch(
        f"/api/v1/userstories/{story.pk}",
        {"assigned_users": [people["bob"].pk, people["owner"].pk, people["alice"].pk]},
    )

    # bob was assigned already; alice acted: only the owner is newly assigned.
    data = expected("assigned", people["alice"], project, story, "userstories.userstory")
    assert web_notifications(events) == [(people["owner"].pk, "alice-tab", data)]


def test_nobody_is_notified_of_assigning_themselves(project, people, api, events) -> None:
    task = task_services.create_task(project=project, owner=people["owner"], subject="Mine")
    events.clear()

    api("alice").patch(f"/api/v1/tasks/{task.pk}", {"assigned_to": people["alice"].pk})

    assert web_notifications(events) == []
    assert not WebNotification.objects.exists()


@pytest.mark.parametrize(
    ("url", "ids_param", "create"),
    [
        ("tasks", "bulk_tasks", task_services.create_task),
        ("issues", "bulk_issues", issue_services.create_issue),
        ("userstories", "bulk_userstories", userstory_services.create_userstory),
    ],
)
def test_a_bulk_assignment_notifies_of_each_newly_assigned_item(
    project, people, api, events, url, ids_param, create
) -> None:
    items = [create(project=project, owner=people["owner"], subject=subject) for subject in "abc"]
    # The first is bob's already.
    type(items[0]).objects.filter(pk=items[0].pk).update(assigned_to=people["bob"])
    if url == "userstories":
        items[0].assigned_users.add(people["bob"])
    content_type = items[0]._meta.app_label + "." + items[0]._meta.model_name
    events.clear()

    response = api("alice").post(
        f"/api/v1/{url}/bulk_update_assigned_to",
        {
            "project_id": project.pk,
            "assigned_to": people["bob"].pk,
            ids_param: [i.pk for i in items],
        },
        format="json",
    )

    assert response.status_code == 204, response.content
    assert web_notifications(events) == [
        (
            people["bob"].pk,
            "alice-tab",
            expected("assigned", people["alice"], project, item, content_type),
        )
        for item in items[1:]
    ]


def test_new_watchers_are_notified(project, people, api, events) -> None:
    story = userstory_services.create_userstory(
        project=project, owner=people["owner"], subject="Watched", watchers=[people["bob"]]
    )
    events.clear()

    response = api("alice").patch(
        f"/api/v1/userstories/{story.pk}",
        {"watchers": [people["bob"].pk, people["owner"].pk, people["alice"].pk]},
    )

    assert response.json()["watchers"] == [people[n].pk for n in ("owner", "alice", "bob")]
    data = expected("added_as_watcher", people["alice"], project, story, "userstories.userstory")
    assert web_notifications(events) == [(people["owner"].pk, "alice-tab", data)]


def test_a_new_member_is_notified(project, people, api, events) -> None:
    events.clear()

    response = api("owner").post(
        "/api/v1/memberships", {"project": project.pk, "user": people["dave"].pk}
    )

    assert response.status_code == 201, response.content
    assert web_notifications(events) == [
        (people["dave"].pk, "owner-tab", expected("added_as_member", people["owner"], project))
    ]


def test_members_newly_mentioned_in_a_description_are_notified(project, people, api, events):
    events.clear()
    created = api("alice").post(
        "/api/v1/tasks",
        {"project": project.pk, "subject": "Ask", "description": "@bob, @dave and @alice: look"},
    )
    task = Task.objects.get(pk=created.json()["id"])
    first = web_notifications(events)
    events.clear()

    api("alice").patch(f"/api/v1/tasks/{task.pk}", {"description": "@bob and @owner, thanks."})

    # dave is no member; alice wrote it; bob was mentioned before.
    data = expected("mentioned", people["alice"], project, task, "tasks.task")
    assert first == [(people["bob"].pk, "alice-tab", data)]
    assert web_notifications(events) == [(people["owner"].pk, "alice-tab", data)]


def test_a_comment_notifies_mentioned_members_and_the_other_watchers(
    project, people, api, events
) -> None:
    story = userstory_services.create_userstory(
        project=project,
        owner=people["owner"],
        subject="Discussed",
        watchers=[people["owner"], people["alice"], people["bob"]],
    )
    events.clear()

    response = api("alice").post(
        f"/api/v1/userstories/{story.pk}/comments", {"comment": "What do you think, @bob?"}
    )

    assert response.status_code == 201, response.content
    args = (people["alice"], project, story, "userstories.userstory")
    assert web_notifications(events) == [
        (people["bob"].pk, "alice-tab", expected("mentioned_in_comment", *args)),
        (people["owner"].pk, "alice-tab", expected("comment", *args)),
    ]


def test_nobody_is_told_of_an_item_they_may_not_view(project, people, api, events) -> None:
    # carol is a member whose role does not let her view tasks.
    task = task_services.create_task(project=project, owner=people["owner"], subject="Hidden")
    events.clear()

    api("owner").patch(
        f"/api/v1/tasks/{task.pk}",
        {
            "assigned_to": people["carol"].pk,
            "description": "@carol",
            "watchers": [people["carol"].pk],
        },
    )
    api("owner").post(f"/api/v1/tasks/{task.pk}/comments", {"comment": "@carol see this"})

    assert web_notifications(events) == []
    assert not WebNotification.objects.exists()


def test_a_rolled_back_change_notifies_nobody(project, people, events) -> None:
    task = task_services.create_task(project=project, owner=people["owner"], subject="Undone")
    events.clear()

    with pytest.raises(RuntimeError), transaction.atomic():
        task_services.update_task(task, {"assigned_to": people["bob"]}, by=people["alice"])
        raise RuntimeError("rolled back")

    assert web_notifications(events) == []
    assert not WebNotification.objects.exists()
