"""Watching items (``…/watch``, ``…/unwatch``, ``…/watchers``, the ``watchers`` field),
commenting on them (``…/comments``) and the history entry each change leaves."""

import pytest

from taiga.projects.epics import services as epic_services
from taiga.projects.history.models import HistoryEntry
from taiga.projects.issues import services as issue_services
from taiga.projects.tasks import services as task_services
from taiga.projects.userstories import services as userstory_services

pytestmark = pytest.mark.django_db

KINDS = [
    ("userstories", userstory_services.create_userstory),
    ("tasks", task_services.create_task),
    ("issues", issue_services.create_issue),
    ("epics", epic_services.create_epic),
]


@pytest.fixture(params=KINDS, ids=[url for url, _ in KINDS])
def item(request, project, owner):
    """(API path, item) of each kind that is watched and commented on, in ``project``."""
    url, create = request.param
    return url, create(project=project, owner=owner, subject="Watch me")


def watcher_names(client, path: str) -> list[str]:
    response = client.get(f"{path}/watchers")
    assert response.status_code == 200, response.content
    return [person["username"] for person in response.json()]


def test_watching_and_unwatching(client_for, anonymous, item, member, outsider):
    url, obj = item
    path = f"/api/v1/{url}/{obj.pk}"
    client = client_for(member)

    assert client.post(f"{path}/watch").status_code == 204
    assert client.post(f"{path}/watch").status_code == 204  # once is enough
    # A signed-in non-member may watch what a public project lets them view.
    assert client_for(outsider).post(f"{path}/watch").status_code == 204
    assert watcher_names(anonymous, path) == ["member", "outsider"]
    assert client.get(path).json()["watchers"] == [member.pk, outsider.pk]

    assert client.post(f"{path}/unwatch").status_code == 204
    assert client.post(f"{path}/unwatch").status_code == 204
    assert watcher_names(anonymous, path) == ["outsider"]
    assert anonymous.post(f"{path}/watch").status_code == 401


def test_what_one_may_not_view_cannot_be_watched(client_for, private_project, owner, outsider):
    story = userstory_services.create_userstory(project=private_project, owner=owner, subject="S")
    path = f"/api/v1/userstories/{story.pk}"

    assert client_for(outsider).post(f"{path}/watch").status_code == 404
    assert client_for(outsider).get(f"{path}/watchers").status_code == 404
    assert not story.watchers.exists()


def test_only_members_are_added_as_watchers(client_for, project, owner, member, outsider):
    story = userstory_services.create_userstory(project=project, owner=owner, subject="S")
    client = client_for(owner)
    path = f"/api/v1/userstories/{story.pk}"

    refused = client.patch(path, {"watchers": [member.pk, outsider.pk]})
    client_for(outsider).post(f"{path}/watch")
    # Someone who watches already may stay a watcher.
    kept = client.patch(path, {"watchers": [outsider.pk, owner.pk]})

    assert refused.status_code == 400
    assert refused.json() == {"watchers": "Only members of the project can be added as watchers."}
    assert kept.status_code == 200
    assert kept.json()["watchers"] == [owner.pk, outsider.pk]


def test_members_comment_and_anyone_who_may_view_reads_comments(
    client_for, anonymous, item, member, outsider
):
    url, obj = item
    path = f"/api/v1/{url}/{obj.pk}/comments"

    first = client_for(member).post(path, {"comment": "  First!  "})
    second = client_for(member).post(path, {"comment": "Second"})
    by_outsider = client_for(outsider).post(path, {"comment": "Me too"})
    blank = client_for(member).post(path, {"comment": "   "})

    assert first.status_code == 201, first.content
    entry = HistoryEntry.objects.get(pk=first.json()["id"])
    assert first.json() == {
        "id": entry.pk,
        "user": {"id": member.pk, "username": "member", "full_name": "Member", "photo": None},
        "comment": "First!",
        "created_at": entry.created_at.isoformat().replace("+00:00", "Z"),
    }
    assert (entry.type, entry.user, entry.object_id) == ("comment", member, obj.pk)
    assert by_outsider.status_code == 403
    assert blank.status_code == 400
    assert anonymous.post(path, {"comment": "Hi"}).status_code == 401
    listed = anonymous.get(path)
    assert [c["comment"] for c in listed.json()] == ["First!", "Second"]
    assert listed.json()[1]["id"] == second.json()["id"]


def test_each_change_leaves_a_history_entry(client_for, project, member):
    client = client_for(member)

    pk = client.post("/api/v1/tasks", {"project": project.pk, "subject": "T"}).json()["id"]
    client.patch(f"/api/v1/tasks/{pk}", {"subject": "U"})
    client.delete(f"/api/v1/tasks/{pk}")

    entries = HistoryEntry.objects.filter(content_type="tasks.task", object_id=pk)
    assert [(e.type, e.user, e.project) for e in entries] == [
        ("create", member, project),
        ("change", member, project),
        ("delete", member, project),
    ]
