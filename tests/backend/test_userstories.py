"""The user story API, exercised the way the seed's curl commands call it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from taiga.projects import services as project_services
from taiga.projects.tasks import services as task_services
from taiga.projects.userstories import services
from taiga.projects.userstories.models import UserStory

pytestmark = pytest.mark.django_db

URL = "/api/v1/userstories"


@pytest.fixture
def owner_client(client_for, owner):
    return client_for(owner)


@pytest.fixture
def story(project, owner):
    return services.create_userstory(project=project, owner=owner, subject="Existing story")


def seed_headers():
    return {"HTTP_X_SESSION_ID": "test-session-123"}


def test_create_as_in_the_seed(owner_client, project, owner):
    status = project.us_statuses.get(slug="ready")

    response = owner_client.post(
        URL,
        data=f'{{"project": {project.pk}, "subject": "Test user story", "status": {status.pk}}}',
        content_type="application/json",
        **seed_headers(),
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["project"] == project.pk
    assert body["subject"] == "Test user story"
    assert body["status"] == status.pk
    assert body["owner"] == owner.pk
    assert (body["ref"], body["version"]) == (1, 1)
    stored = UserStory.objects.get(pk=body["id"])
    assert (stored.subject, stored.status_id, stored.owner_id) == (
        "Test user story",
        status.pk,
        owner.pk,
    )


def test_patch_as_in_the_seed_needs_no_version(owner_client, story):
    response = owner_client.patch(
        f"{URL}/{story.pk}",
        data='{"subject": "Updated subject"}',
        content_type="application/json",
        **seed_headers(),
    )

    assert response.status_code == 200, response.content
    assert response.json()["subject"] == "Updated subject"
    assert response.json()["version"] == 2
    story.refresh_from_db()
    assert (story.subject, story.version) == ("Updated subject", 2)


def test_delete_as_in_the_seed(owner_client, story):
    response = owner_client.delete(f"{URL}/{story.pk}", **seed_headers())

    assert response.status_code == 204
    assert not UserStory.objects.filter(pk=story.pk).exists()


def test_routes_accept_a_trailing_slash(owner_client, story):
    assert owner_client.get(f"{URL}/").status_code == 200
    assert owner_client.get(f"{URL}/{story.pk}/").json()["id"] == story.pk


def test_status_defaults_to_the_projects_first(owner_client, project):
    response = owner_client.post(URL, {"project": project.pk, "subject": "No status"})

    assert response.status_code == 201
    assert response.json()["status"] == project.us_statuses.get(slug="new").pk


def test_new_stories_go_last(project, owner):
    first = services.create_userstory(project=project, owner=owner, subject="first")
    second = services.create_userstory(project=project, owner=owner, subject="second")

    assert second.backlog_order > first.backlog_order
    assert second.kanban_order > first.kanban_order


def test_refs_count_per_project_and_are_never_reused(project, owner):
    other = project_services.create_project(owner=owner, name="Other")
    refs = [services.create_userstory(project=project, owner=owner, subject=s) for s in "abc"]
    services.delete_userstory(refs[-1])

    later = services.create_userstory(project=project, owner=owner, subject="d")
    in_other = services.create_userstory(project=other, owner=owner, subject="x")

    assert [story.ref for story in refs] == [1, 2, 3]
    assert later.ref == 4
    assert in_other.ref == 1


def test_stale_version_is_a_409_and_changes_nothing(owner_client, story):
    first = owner_client.patch(
        f"{URL}/{story.pk}", {"subject": "Someone else's edit", "version": 1}
    )
    assert first.status_code == 200

    response = owner_client.patch(f"{URL}/{story.pk}", {"subject": "Mine", "version": 1})

    assert response.status_code == 409
    assert "version" in response.json()["detail"]
    story.refresh_from_db()
    assert (story.subject, story.version) == ("Someone else's edit", 2)


def test_current_version_is_accepted(owner_client, story):
    response = owner_client.patch(f"{URL}/{story.pk}", {"subject": "Mine", "version": 1})

    assert response.status_code == 200
    assert response.json()["version"] == 2


def test_status_of_another_project_is_a_400(owner_client, project, owner):
    foreign = project_services.create_project(owner=owner, name="Foreign").us_statuses.first()

    response = owner_client.post(URL, {"project": project.pk, "subject": "x", "status": foreign.pk})

    assert response.status_code == 400
    assert response.json() == {"status": "The status belongs to another project."}
    assert not UserStory.objects.exists()


def test_patching_in_a_status_of_another_project_is_a_400(owner_client, story, owner):
    foreign = project_services.create_project(owner=owner, name="Foreign").us_statuses.first()

    response = owner_client.patch(f"{URL}/{story.pk}", {"status": foreign.pk})

    assert response.status_code == 400
    story.refresh_from_db()
    assert story.status.project_id == story.project_id
    assert story.version == 1


def test_a_story_cannot_move_to_another_project(owner_client, story, owner):
    other = project_services.create_project(owner=owner, name="Other")

    response = owner_client.patch(f"{URL}/{story.pk}", {"project": other.pk})

    assert response.status_code == 400
    assert "project" in response.json()
    story.refresh_from_db()
    assert story.project_id != other.pk


def test_only_members_can_be_assigned(owner_client, story, member, outsider):
    rejected = owner_client.patch(f"{URL}/{story.pk}", {"assigned_to": outsider.pk})
    accepted = owner_client.patch(f"{URL}/{story.pk}", {"assigned_to": member.pk})

    assert rejected.status_code == 400
    assert "assigned_to" in rejected.json()
    assert accepted.status_code == 200
    assert accepted.json()["assigned_to"] == member.pk


def test_list_filters_by_project_and_status(owner_client, project, owner):
    other = project_services.create_project(owner=owner, name="Other")
    done = project.us_statuses.get(slug="done")
    in_done = services.create_userstory(project=project, owner=owner, subject="a", status=done)
    in_new = services.create_userstory(project=project, owner=owner, subject="b")
    services.create_userstory(project=other, owner=owner, subject="c")

    by_project = owner_client.get(URL, {"project": project.pk}).json()
    by_status = owner_client.get(URL, {"project": project.pk, "status": done.pk}).json()

    assert [s["id"] for s in by_project] == [in_done.pk, in_new.pk]
    assert [s["id"] for s in by_status] == [in_done.pk]


def test_non_integer_filter_is_a_400(owner_client):
    response = owner_client.get(URL, {"project": "five"})

    assert response.status_code == 400
    assert "project" in response.json()


def test_deleting_a_project_deletes_its_stories(owner_client, story, project):
    response = owner_client.delete(f"/api/v1/projects/{project.pk}")

    assert response.status_code == 204
    assert not UserStory.objects.filter(pk=story.pk).exists()


def add_tasks(story, *, open_tasks: int, closed_tasks: int) -> None:
    closed = story.project.task_statuses.filter(is_closed=True).first()
    for number in range(open_tasks + closed_tasks):
        task_services.create_task(
            project=story.project,
            owner=story.owner,
            subject=f"Task {number}",
            user_story=story,
            status=closed if number < closed_tasks else None,
        )


def test_stories_count_their_tasks_and_the_closed_ones(owner_client, story, project, owner):
    add_tasks(story, open_tasks=2, closed_tasks=1)
    bare = services.create_userstory(project=project, owner=owner, subject="No tasks")

    listed = {s["id"]: s["task_counts"] for s in owner_client.get(URL).json()}
    one = owner_client.get(f"{URL}/{story.pk}").json()["task_counts"]
    patched = owner_client.patch(
        f"{URL}/{story.pk}", data={"subject": "Renamed"}, content_type="application/json"
    )

    assert listed == {story.pk: {"total": 3, "closed": 1}, bare.pk: {"total": 0, "closed": 0}}
    assert one == {"total": 3, "closed": 1}
    assert patched.json()["task_counts"] == {"total": 3, "closed": 1}


def test_counting_tasks_costs_the_list_no_query_per_story(owner_client, story, project, owner):
    add_tasks(story, open_tasks=1, closed_tasks=1)
    with CaptureQueriesContext(connection) as one_story:
        owner_client.get(URL)
    for subject in ("Second", "Third"):
        more = services.create_userstory(project=project, owner=owner, subject=subject)
        add_tasks(more, open_tasks=2, closed_tasks=1)

    with CaptureQueriesContext(connection) as three_stories:
        listed = owner_client.get(URL).json()

    assert [s["task_counts"]["total"] for s in listed] == [2, 3, 3]
    assert len(three_stories) == len(one_story)
