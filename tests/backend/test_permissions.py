"""Who may see and change projects and what is in them, through the API."""

import pytest
from rest_framework.test import APIClient

from taiga.auth.tokens import issue_access_token
from taiga.projects.models import Membership, UserStoryStatus
from taiga.projects.userstories import services
from taiga.projects.userstories.models import UserStory

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(project, owner):
    return services.create_userstory(project=project, owner=owner, subject="Public story")


@pytest.fixture
def secret_story(private_project, owner):
    return services.create_userstory(project=private_project, owner=owner, subject="Secret story")


def test_anonymous_reads_public_projects_and_their_content(anonymous, project, story):
    assert anonymous.get(f"/api/v1/projects/{project.pk}").status_code == 200
    assert anonymous.get(f"/api/v1/userstories/{story.pk}").json()["subject"] == "Public story"
    statuses = anonymous.get("/api/v1/userstory-statuses", {"project": project.pk}).json()
    assert [s["slug"] for s in statuses] == [
        "new",
        "ready",
        "in-progress",
        "ready-for-test",
        "done",
        "archived",
    ]


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", "/api/v1/userstories", lambda p, s: {"project": p.pk, "subject": "x"}),
        ("patch", "/api/v1/userstories/{story}", lambda p, s: {"subject": "x"}),
        ("delete", "/api/v1/userstories/{story}", lambda p, s: None),
        ("post", "/api/v1/userstory-statuses", lambda p, s: {"project": p.pk, "name": "x"}),
        ("post", "/api/v1/projects", lambda p, s: {"name": "x"}),
    ],
)
def test_anonymous_cannot_write(anonymous, project, story, method, url, body):
    before = (UserStory.objects.count(), UserStoryStatus.objects.count())

    response = getattr(anonymous, method)(url.format(story=story.pk), body(project, story))

    assert response.status_code == 401
    story.refresh_from_db()
    assert story.subject == "Public story"
    assert (UserStory.objects.count(), UserStoryStatus.objects.count()) == before


def test_non_member_cannot_write_in_a_public_project(client_for, outsider, project, story):
    client = client_for(outsider)

    created = client.post("/api/v1/userstories", {"project": project.pk, "subject": "x"})
    patched = client.patch(f"/api/v1/userstories/{story.pk}", {"subject": "x"})
    deleted = client.delete(f"/api/v1/userstories/{story.pk}")
    status = client.post("/api/v1/userstory-statuses", {"project": project.pk, "name": "x"})

    assert [r.status_code for r in (created, patched, deleted, status)] == [403] * 4
    assert created.json()["detail"] == "Only members of the project can change what is in it."
    assert list(UserStory.objects.values_list("subject", flat=True)) == ["Public story"]


def test_non_member_can_read_a_public_project(client_for, outsider, story):
    response = client_for(outsider).get(f"/api/v1/userstories/{story.pk}")

    assert response.status_code == 200


def test_member_writes_content(client_for, member, project, story):
    client = client_for(member)

    created = client.post("/api/v1/userstories", {"project": project.pk, "subject": "mine"})
    patched = client.patch(f"/api/v1/userstories/{story.pk}", {"subject": "edited"})
    status = client.post("/api/v1/userstory-statuses", {"project": project.pk, "name": "Blocked"})

    assert (created.status_code, patched.status_code, status.status_code) == (201, 200, 201)
    assert created.json()["owner"] == member.pk


def test_private_project_is_invisible_to_others(
    anonymous, client_for, outsider, private_project, secret_story
):
    for client in (anonymous, client_for(outsider)):
        assert client.get(f"/api/v1/projects/{private_project.pk}").status_code == 404
        assert client.get(f"/api/v1/userstories/{secret_story.pk}").status_code == 404
        assert client.get("/api/v1/projects").json() == []
        assert client.get("/api/v1/userstories").json() == []
        assert client.get("/api/v1/userstory-statuses").json() == []
        assert client.get("/api/v1/memberships").json() == []


def test_private_project_cannot_be_written_into_by_others(
    client_for, outsider, private_project, secret_story
):
    client = client_for(outsider)

    created = client.post(
        "/api/v1/userstories", {"project": private_project.pk, "subject": "intrusion"}
    )
    patched = client.patch(f"/api/v1/userstories/{secret_story.pk}", {"subject": "x"})

    assert created.status_code == 400
    assert "project" in created.json()
    assert patched.status_code == 404
    assert list(UserStory.objects.values_list("subject", flat=True)) == ["Secret story"]


def test_members_and_superusers_see_private_projects(
    client_for, member, superuser, private_project, secret_story
):
    for user in (member, superuser):
        client = client_for(user)
        assert client.get(f"/api/v1/projects/{private_project.pk}").status_code == 200
        assert [s["id"] for s in client.get("/api/v1/userstories").json()] == [secret_story.pk]


def test_superuser_writes_anywhere(client_for, superuser, private_project):
    response = client_for(superuser).post(
        "/api/v1/userstories", {"project": private_project.pk, "subject": "by root"}
    )

    assert response.status_code == 201


def test_project_lists_show_public_and_own_private_projects(
    client_for, anonymous, member, project, private_project
):
    assert [p["id"] for p in anonymous.get("/api/v1/projects").json()] == [project.pk]
    assert {p["id"] for p in client_for(member).get("/api/v1/projects").json()} == {
        project.pk,
        private_project.pk,
    }


def test_only_owner_and_admins_change_a_project(client_for, member, owner, make_user, project):
    admin = make_user("admin")
    Membership.objects.create(project=project, user=admin, is_admin=True)

    by_member = client_for(member).patch(f"/api/v1/projects/{project.pk}", {"name": "Mine"})
    by_admin = client_for(admin).patch(f"/api/v1/projects/{project.pk}", {"name": "Renamed"})
    deleted_by_member = client_for(member).delete(f"/api/v1/projects/{project.pk}")

    assert by_member.status_code == 403
    assert deleted_by_member.status_code == 403
    assert by_admin.status_code == 200
    project.refresh_from_db()
    assert project.name == "Renamed"
    assert project.slug == "public-project"


def test_only_admins_change_memberships(client_for, member, owner, outsider, project):
    by_member = client_for(member).post(
        "/api/v1/memberships", {"project": project.pk, "user": outsider.pk, "is_admin": True}
    )
    by_owner = client_for(owner).post(
        "/api/v1/memberships", {"project": project.pk, "user": outsider.pk}
    )

    assert by_member.status_code == 403
    assert by_owner.status_code == 201
    assert Membership.objects.get(project=project, user=outsider).is_admin is False


def test_members_cannot_remove_members(client_for, member, owner, project):
    owners = Membership.objects.get(project=project, user=owner)

    response = client_for(member).delete(f"/api/v1/memberships/{owners.pk}")

    assert response.status_code == 403
    assert Membership.objects.filter(pk=owners.pk).exists()


def test_project_detail_lists_my_permissions(project, owner, member, outsider) -> None:
    def permissions(user) -> set[str]:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_access_token(user)}")
        response = client.get(f"/api/v1/projects/{project.pk}")
        assert response.status_code == 200
        return set(response.json()["my_permissions"])

    viewer = {"view_project", "view_us", "view_tasks", "view_issues", "view_epics"}
    assert viewer <= permissions(None)
    assert "add_us" not in permissions(None)
    assert viewer <= permissions(outsider)
    assert "add_us" not in permissions(outsider)
    assert {"add_us", "modify_us", "delete_us"} <= permissions(member)
    assert "admin_roles" not in permissions(member)
    assert "admin_roles" in permissions(owner)
