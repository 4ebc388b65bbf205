"""CRUD of tasks, issues, epics, milestones and wiki pages: success, permission failures,
versions, refs and references to other projects."""

from dataclasses import dataclass
from typing import Any

import pytest

from taiga.projects import services as project_services
from taiga.projects.epics.models import Epic
from taiga.projects.issues.models import Issue
from taiga.projects.milestones.models import Milestone
from taiga.projects.tasks.models import Task
from taiga.projects.userstories import services as userstory_services
from taiga.projects.wiki.models import WikiPage

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Kind:
    url: str
    model: type
    create: dict[str, Any]
    change: dict[str, Any]
    versioned: bool = True

    def __str__(self) -> str:
        return self.url


KINDS = [
    Kind("tasks", Task, {"subject": "Write tests"}, {"subject": "Write more tests"}),
    Kind("issues", Issue, {"subject": "It crashes"}, {"subject": "It crashes on Monday"}),
    Kind("epics", Epic, {"subject": "Live board", "color": "#ff0000"}, {"color": "#00ff00"}),
    Kind(
        "milestones",
        Milestone,
        {"name": "Sprint 1", "estimated_start": "2025-01-06", "estimated_finish": "2025-01-17"},
        {"closed": True},
        versioned=False,
    ),
    Kind("wiki", WikiPage, {"slug": "home", "content": "Hello"}, {"content": "Hello again"}),
]


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_members_create_read_change_and_delete(client_for, member, project, kind):
    client = client_for(member)

    created = client.post(f"/api/v1/{kind.url}", {"project": project.pk, **kind.create})
    pk = created.json()["id"]
    listed = client.get(f"/api/v1/{kind.url}", {"project": project.pk})
    patched = client.patch(f"/api/v1/{kind.url}/{pk}", kind.change)
    deleted = client.delete(f"/api/v1/{kind.url}/{pk}")

    assert created.status_code == 201, created.content
    assert created.json()["owner"] == member.pk
    assert [item["id"] for item in listed.json()] == [pk]
    assert patched.status_code == 200, patched.content
    assert patched.json().items() >= kind.change.items()
    assert deleted.status_code == 204
    assert not kind.model.objects.filter(pk=pk).exists()


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_non_members_change_nothing(client_for, anonymous, member, outsider, project, kind):
    pk = client_for(member).post(f"/api/v1/{kind.url}", {"project": project.pk, **kind.create})
    pk = pk.json()["id"]
    before = kind.model.objects.values().get(pk=pk)

    for client, status in ((client_for(outsider), 403), (anonymous, 401)):
        created = client.post(f"/api/v1/{kind.url}", {"project": project.pk, **kind.create})
        patched = client.patch(f"/api/v1/{kind.url}/{pk}", kind.change)
        deleted = client.delete(f"/api/v1/{kind.url}/{pk}")
        assert [r.status_code for r in (created, patched, deleted)] == [status] * 3
        assert client.get(f"/api/v1/{kind.url}/{pk}").status_code == 200

    assert kind.model.objects.count() == 1
    assert kind.model.objects.values().get(pk=pk) == before


@pytest.mark.parametrize("kind", [k for k in KINDS if k.versioned], ids=str)
def test_a_stale_version_is_a_409(client_for, member, project, kind):
    client = client_for(member)
    pk = client.post(f"/api/v1/{kind.url}", {"project": project.pk, **kind.create}).json()["id"]
    first = client.patch(f"/api/v1/{kind.url}/{pk}", {**kind.change, "version": 1})

    stale = client.patch(f"/api/v1/{kind.url}/{pk}", {**kind.create, "version": 1})
    without = client.patch(f"/api/v1/{kind.url}/{pk}", kind.change)

    assert (first.status_code, first.json()["version"]) == (200, 2)
    assert stale.status_code == 409
    assert "has changed since version 1 (it is now at version 2)" in stale.json()["detail"]
    assert (without.status_code, without.json()["version"]) == (200, 3)


def test_refs_are_shared_by_stories_tasks_issues_and_epics(client_for, member, project):
    client = client_for(member)
    refs = [
        client.post(f"/api/v1/{url}", {"project": project.pk, "subject": url}).json()["ref"]
        for url in ("userstories", "tasks", "issues", "epics", "tasks")
    ]

    by_ref = client.get("/api/v1/issues/by_ref", {"project": project.pk, "ref": 3})
    missing = client.get("/api/v1/issues/by_ref", {"project": project.pk, "ref": 4})

    assert refs == [1, 2, 3, 4, 5]
    assert by_ref.json()["subject"] == "issues"
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("url", "field", "values"),
    [
        ("tasks", "status", "task_statuses"),
        ("tasks", "milestone", "milestones"),
        ("issues", "type", "issue_types"),
        ("issues", "priority", "priorities"),
        ("issues", "severity", "severities"),
        ("epics", "status", "epic_statuses"),
        ("userstories", "swimlane", "swimlanes"),
    ],
)
def test_values_of_another_project_are_a_400(client_for, owner, project, url, field, values):
    other = project_services.create_project(owner=owner, name="Other")
    if values == "milestones":
        other.milestones.create(
            name="S", slug="s", estimated_start="2025-01-01", estimated_finish="2025-01-02"
        )
    elif values == "swimlanes":
        other.swimlanes.create(name="Lane")
    foreign = getattr(other, values).first()

    response = client_for(owner).post(
        f"/api/v1/{url}", {"project": project.pk, "subject": "x", field: foreign.pk}
    )

    assert response.status_code == 400
    label = field.replace("_", " ")
    assert response.json() == {field: f"The {label} belongs to another project."}


def test_issues_take_the_projects_first_values(client_for, member, project):
    body = client_for(member).post("/api/v1/issues", {"project": project.pk, "subject": "x"})

    issue = Issue.objects.get(pk=body.json()["id"])
    assert (issue.status.slug, issue.type.name, issue.priority.name, issue.severity.name) == (
        "new",
        "Bug",
        "Low",
        "Wishlist",
    )


def test_a_task_of_a_story_is_in_the_storys_sprint(client_for, owner, member, project):
    sprint = project.milestones.create(
        name="S", slug="s", estimated_start="2025-01-01", estimated_finish="2025-01-02"
    )
    story = userstory_services.create_userstory(
        project=project, owner=owner, subject="s", milestone=sprint
    )

    response = client_for(member).post(
        "/api/v1/tasks", {"project": project.pk, "subject": "t", "user_story": story.pk}
    )

    assert response.json()["milestone"] == sprint.pk


def test_tasks_follow_their_story_into_another_sprint(client_for, owner, project):
    sprint = project.milestones.create(
        name="S", slug="s", estimated_start="2025-01-01", estimated_finish="2025-01-02"
    )
    story = userstory_services.create_userstory(project=project, owner=owner, subject="s")
    task = Task.objects.create(
        project=project, ref=99, subject="t", user_story=story, status=project.task_statuses.first()
    )

    client_for(owner).patch(f"/api/v1/userstories/{story.pk}", {"milestone": sprint.pk})

    task.refresh_from_db()
    assert (task.milestone, task.version) == (sprint, 2)


def test_milestones_get_unique_slugs_and_sane_dates(client_for, owner, project):
    client = client_for(owner)
    dates = {"estimated_start": "2025-01-06", "estimated_finish": "2025-01-17"}

    first = client.post("/api/v1/milestones", {"project": project.pk, "name": "Sprint!", **dates})
    second = client.post("/api/v1/milestones", {"project": project.pk, "name": "Sprint", **dates})
    same_name = client.post(
        "/api/v1/milestones", {"project": project.pk, "name": "Sprint", **dates}
    )
    backwards = client.post(
        "/api/v1/milestones",
        {"project": project.pk, "name": "B", **dates, "estimated_start": "2025-02-01"},
    )

    assert (first.json()["slug"], second.json()["slug"]) == ("sprint", "sprint-2")
    assert same_name.status_code == 400
    assert backwards.status_code == 400
    assert backwards.json() == {"estimated_finish": ["The sprint cannot finish before it starts."]}


def test_deleting_a_sprint_sends_its_work_back_to_the_backlog(client_for, owner, project):
    sprint = project.milestones.create(
        name="S", slug="s", estimated_start="2025-01-01", estimated_finish="2025-01-02"
    )
    story = userstory_services.create_userstory(
        project=project, owner=owner, subject="s", milestone=sprint
    )

    response = client_for(owner).delete(f"/api/v1/milestones/{sprint.pk}")

    assert response.status_code == 204
    story.refresh_from_db()
    assert (story.milestone, story.version) == (None, 2)


def test_wiki_pages_remember_their_last_modifier(client_for, owner, member, project):
    pk = client_for(owner).post("/api/v1/wiki", {"project": project.pk, "slug": "home"})
    pk = pk.json()["id"]

    patched = client_for(member).patch(f"/api/v1/wiki/{pk}", {"content": "edited"})
    by_slug = client_for(member).get(
        "/api/v1/wiki/by_slug", {"project": project.pk, "slug": "home"}
    )
    duplicate = client_for(owner).post("/api/v1/wiki", {"project": project.pk, "slug": "home"})

    assert (patched.json()["owner"], patched.json()["last_modifier"]) == (owner.pk, member.pk)
    assert by_slug.json()["id"] == pk
    assert duplicate.status_code == 400


def test_epics_relate_user_stories_of_their_project(client_for, owner, member, project):
    epic = client_for(member).post("/api/v1/epics", {"project": project.pk, "subject": "E"})
    url = f"/api/v1/epics/{epic.json()['id']}/related_userstories"
    story = userstory_services.create_userstory(project=project, owner=owner, subject="s")
    foreign = userstory_services.create_userstory(
        project=project_services.create_project(owner=owner, name="Other"),
        owner=owner,
        subject="f",
    )
    client = client_for(member)

    related = client.post(url, {"user_story": story.pk, "order": 5})
    again = client.post(url, {"user_story": story.pk})
    other_project = client.post(url, {"user_story": foreign.pk})
    reordered = client.patch(f"{url}/{story.pk}", {"order": 7})
    by_story = client.get("/api/v1/userstories", {"epic": epic.json()["id"]})
    by_outsider = client_for(owner).get(url)
    removed = client.delete(f"{url}/{story.pk}")

    assert (related.status_code, related.json()["order"]) == (201, 5)
    assert again.json() == {"user_story": "The user story is already in this epic."}
    assert other_project.json() == {"user_story": "The user story belongs to another project."}
    assert reordered.json()["order"] == 7
    assert [s["id"] for s in by_story.json()] == [story.pk]
    assert by_outsider.status_code == 200
    assert removed.status_code == 204
    assert client.get(url).json() == []


def test_related_user_stories_need_modify_epic(client_for, owner, stakeholder, project):
    epic = client_for(owner).post("/api/v1/epics", {"project": project.pk, "subject": "E"})
    story = userstory_services.create_userstory(project=project, owner=owner, subject="s")

    response = client_for(stakeholder).post(
        f"/api/v1/epics/{epic.json()['id']}/related_userstories", {"user_story": story.pk}
    )

    assert response.status_code == 403
    assert not Epic.objects.get().user_stories.exists()
