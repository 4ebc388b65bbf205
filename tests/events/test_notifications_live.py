"""Live notifications (``live_notifications.{user_id}``) as the broker gets them: who gets
them by notify policy and view permission, their exact data, and that they leave at once,
before the transaction commits."""

from __future__ import annotations

import pytest
from django.db import transaction

from taiga.projects.history.models import HistoryEntry
from taiga.projects.notifications.choices import NotifyLevel
from taiga.projects.notifications.policies import set_notify_level
from taiga.projects.tasks import services as task_services
from taiga.projects.userstories import services as userstory_services
from taiga.users.serializers import user_summary
from tests.events.conftest import Captured
from tests.events.test_notifications_web import (  # the fixtures project, people, api
    client_of,  # noqa: F401
    private_project,  # noqa: F401
    team,  # noqa: F401
)

ALL, INVOLVED, NONE = NotifyLevel.ALL, NotifyLevel.INVOLVED, NotifyLevel.NONE


def live_notifications(events: Captured) -> list[tuple[int, str | None, dict]]:
    """(recipient id, session id, data) of each live notification."""
    return [
        (int(key.rpartition(".")[2]), envelope["session_id"], envelope["data"])
        for key, envelope in events
        if key.startswith("live_notifications.")
    ]


def recipients(events: Captured) -> list[int]:
    return [user_id for user_id, _, _ in live_notifications(events)]


def latest_entry() -> HistoryEntry:
    return HistoryEntry.objects.latest("id")


def test_each_policy_level_and_view_permission(project, people, api, events, settings):
    settings.TAIGA_FRONT_URL = "https://taiga.example.com/"
    story = userstory_services.create_userstory(
        project=project, owner=people["owner"], subject="Story", assigned_to=people["bob"]
    )
    for name, level in (("owner", ALL), ("alice", ALL), ("carol", ALL), ("dave", ALL)):
        set_notify_level(project, people[name], level)
    events.clear()

    api("owner").patch(f"/api/v1/userstories/{story.pk}", {"subject": "Story told"})

    # owner acted; alice wants all; bob is involved (assigned) at the default level;
    # carol's role may not view user stories; dave is no member of this private project.
    data = {
        "title": f"User story #{story.ref} updated",
        "body": "Team - Story told",
        "url": f"https://taiga.example.com/project/team/us/{story.ref}",
        "timeout": 10000,
        "id": latest_entry().pk,
        # Who made the change: beyond the seed's shape, which clients may show.
        "by": user_summary(people["owner"]),
    }
    assert live_notifications(events) == [
        (people["alice"].pk, "owner-tab", data),
        (people["bob"].pk, "owner-tab", data),
    ]
    assert (latest_entry().type, latest_entry().user) == ("change", people["owner"])


def test_none_silences_even_the_involved(project, people, api, events) -> None:
    story = userstory_services.create_userstory(
        project=project, owner=people["bob"], subject="Quiet", assigned_to=people["bob"]
    )
    set_notify_level(project, people["bob"], NONE)
    events.clear()

    api("alice").patch(f"/api/v1/userstories/{story.pk}", {"subject": "Still quiet"})

    assert recipients(events) == []


def test_the_involved_are_owner_assigned_watchers_and_mentioned(project, people, events):
    task = task_services.create_task(
        project=project,
        owner=people["owner"],
        subject="Involving",
        assigned_to=people["alice"],
        description="cc @bob",
    )
    events.clear()
    task_services.update_task(task, {"subject": "Changed"}, by=people["bob"])
    by_bob = recipients(events)
    events.clear()

    # Someone unassigned is told too: they were involved before the change.
    task_services.update_task(
        task, {"assigned_to": None, "watchers": [people["owner"]]}, by=people["owner"]
    )

    assert by_bob == [people["owner"].pk, people["alice"].pk]
    assert recipients(events) == [people["alice"].pk, people["bob"].pk]


def test_the_default_level_is_involved(project, people, events) -> None:
    task = task_services.create_task(project=project, owner=people["owner"], subject="Far")
    events.clear()

    task_services.update_task(task, {"subject": "Away"}, by=people["owner"])

    assert recipients(events) == []  # alice and bob are members, but not involved


MILESTONE = {"name": "Sprint 1", "estimated_start": "2025-01-06", "estimated_finish": "2025-01-17"}


@pytest.mark.parametrize(
    ("url", "create", "change", "title", "bodies", "path"),
    [
        ("userstories", {"subject": "S"}, {"subject": "T"}, "User story #1", "STT", "us/1"),
        ("tasks", {"subject": "S"}, {"subject": "T"}, "Task #1", "STT", "task/1"),
        ("issues", {"subject": "S"}, {"subject": "T"}, "Issue #1", "STT", "issue/1"),
        ("wiki", {"slug": "home"}, {"content": "Hi"}, "Wiki page home", ["home"] * 3, "wiki/home"),
        (
            "milestones",
            MILESTONE,
            {"closed": True},
            "Milestone sprint-1",
            ["Sprint 1"] * 3,
            "taskboard/sprint-1",
        ),
    ],
)
def test_create_change_delete_of_each_kind(
    project, people, api, events, url, create, change, title, bodies, path
) -> None:
    set_notify_level(project, people["bob"], ALL)
    events.clear()

    pk = api("alice").post(f"/api/v1/{url}", {"project": project.pk, **create}).json()["id"]
    api("alice").patch(f"/api/v1/{url}/{pk}", change)
    api("alice").delete(f"/api/v1/{url}/{pk}")

    entries = list(HistoryEntry.objects.all())
    assert [(e.type, e.user, e.object_id) for e in entries] == [
        ("create", people["alice"], pk),
        ("change", people["alice"], pk),
        ("delete", people["alice"], pk),
    ]
    # A deleted item's link is its project's page.
    project_url = "http://localhost:9000/project/team"
    links = (f"{project_url}/{path}", f"{project_url}/{path}", project_url)
    verbs = ("created", "updated", "deleted")
    assert live_notifications(events) == [
        (
            people["bob"].pk,
            "alice-tab",
            {
                "title": f"{title} {verb}",
                "body": f"Team - {body}",
                "url": link,
                "timeout": 10000,
                "id": entry.pk,
                "by": user_summary(people["alice"]),
            },
        )
        for verb, body, link, entry in zip(verbs, bodies, links, entries, strict=True)
    ]


def test_epics_have_no_live_notifications(project, people, api, events) -> None:
    set_notify_level(project, people["bob"], ALL)
    events.clear()

    api("alice").post("/api/v1/epics", {"project": project.pk, "subject": "Big"})

    assert recipients(events) == []


def test_sent_before_commit_and_not_taken_back_on_rollback(project, people, events) -> None:
    set_notify_level(project, people["bob"], ALL)
    task = task_services.create_task(project=project, owner=people["owner"], subject="Undone")
    events.clear()

    with pytest.raises(RuntimeError), transaction.atomic():
        task_services.update_task(task, {"subject": "Never"}, by=people["alice"])
        sent = live_notifications(events)
        raise RuntimeError("rolled back")

    assert [user_id for user_id, _, _ in sent] == [people["owner"].pk, people["bob"].pk]
    data = sent[0][2]
    assert (data["title"], data["body"]) == ("Task #1 updated", "Team - Never")
    assert live_notifications(events) == sent
    # What it was about did not happen, and its history entry was never kept.
    task.refresh_from_db()
    assert task.subject == "Undone"
    assert not HistoryEntry.objects.filter(pk=data["id"]).exists()
