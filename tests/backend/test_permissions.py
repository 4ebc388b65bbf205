"""Who may see and change projects and what is in them: role-based, as the original Taiga."""

import itertools

import pytest
from rest_framework.test import APIClient

from taiga.auth.tokens import issue_access_token
from taiga.projects import services as project_services
from taiga.projects.models import Membership, Project, UserStoryStatus
from taiga.projects.permissions import (
    ADMINS_PERMISSIONS,
    ALL_PERMISSIONS,
    ANON_PERMISSIONS,
    MEMBERS_PERMISSIONS,
    permissions_for,
    projects_where,
)
from taiga.projects.userstories import services
from taiga.projects.userstories.models import UserStory

pytestmark = pytest.mark.django_db

VIEWS = set(ANON_PERMISSIONS)


@pytest.fixture
def story(project, owner):
    return services.create_userstory(project=project, owner=owner, subject="Public story")


@pytest.fixture
def secret_story(private_project, owner):
    return services.create_userstory(project=private_project, owner=owner, subject="Secret story")


def my_permissions(project, user=None) -> set[str] | int:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_access_token(user)}")
    response = client.get(f"/api/v1/projects/{project.pk}")
    return set(response.json()["my_permissions"]) if response.status_code == 200 else 404


def test_my_permissions_follow_who_is_asking(
    project, owner, member, stakeholder, outsider, superuser, make_user
):
    admin = make_user("admin")
    project_services.add_member(project, admin, is_admin=True)

    assert my_permissions(project) == VIEWS
    assert my_permissions(project, outsider) == VIEWS
    assert my_permissions(project, member) == set(MEMBERS_PERMISSIONS)
    assert my_permissions(project, stakeholder) == VIEWS | {"add_issue", "modify_issue"}
    for everything in (owner, admin, superuser):
        assert my_permissions(project, everything) == set(ALL_PERMISSIONS)
    assert set(ADMINS_PERMISSIONS).isdisjoint(my_permissions(project, member))


def test_a_private_project_is_a_404_to_non_members(private_project, member, outsider):
    assert my_permissions(private_project) == 404
    assert my_permissions(private_project, outsider) == 404
    assert "view_project" in my_permissions(private_project, member)


def test_a_public_project_grants_what_its_lists_say(client_for, owner, project, outsider):
    response = client_for(owner).patch(
        f"/api/v1/projects/{project.pk}",
        {"anon_permissions": ["view_project"], "public_permissions": ["view_project", "add_us"]},
    )

    assert response.status_code == 200, response.content
    assert my_permissions(project) == {"view_project"}
    assert my_permissions(project, outsider) == {"view_project", "add_us"}


def test_privacy_changes_reset_what_non_members_get(client_for, owner, project, outsider):
    client = client_for(owner)
    client.patch(f"/api/v1/projects/{project.pk}", {"public_permissions": ["add_us"]})

    made_private = client.patch(f"/api/v1/projects/{project.pk}", {"is_private": True})
    made_public = client.patch(f"/api/v1/projects/{project.pk}", {"is_private": False})

    assert made_private.json()["anon_permissions"] == []
    assert made_private.json()["public_permissions"] == []
    assert set(made_public.json()["anon_permissions"]) == VIEWS
    assert my_permissions(project, outsider) == VIEWS


def test_unknown_permission_names_are_refused(client_for, owner, project):
    response = client_for(owner).patch(
        f"/api/v1/projects/{project.pk}", {"anon_permissions": ["add_us"]}
    )

    assert response.status_code == 400
    assert "anon_permissions" in response.json()


def test_the_query_agrees_with_permissions_for(
    project, private_project, owner, member, stakeholder, outsider, superuser
):
    from django.contrib.auth.models import AnonymousUser

    project.anon_permissions = ["view_project", "view_us"]
    project.save()
    people = [AnonymousUser(), owner, member, stakeholder, outsider, superuser]
    for person, permission in itertools.product(people, ALL_PERMISSIONS):
        expected = {p.pk for p in Project.objects.all() if permission in permissions_for(person, p)}
        assert set(projects_where(person, permission).values_list("pk", flat=True)) == expected


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
        (
            "post",
            "/api/v1/userstories/bulk_update_status",
            lambda p, s: {"project_id": p.pk, "status_id": 1, "bulk_userstories": [s.pk]},
        ),
    ],
)
def test_anonymous_cannot_write(anonymous, project, story, method, url, body):
    before = (UserStory.objects.count(), UserStoryStatus.objects.count())

    response = getattr(anonymous, method)(url.format(story=story.pk), body(project, story))

    assert response.status_code == 401
    story.refresh_from_db()
    assert (story.subject, story.version) == ("Public story", 1)
    assert (UserStory.objects.count(), UserStoryStatus.objects.count()) == before


def test_non_member_cannot_write_in_a_public_project(client_for, outsider, project, story):
    client = client_for(outsider)

    created = client.post("/api/v1/userstories", {"project": project.pk, "subject": "x"})
    patched = client.patch(f"/api/v1/userstories/{story.pk}", {"subject": "x"})
    deleted = client.delete(f"/api/v1/userstories/{story.pk}")
    status = client.post("/api/v1/userstory-statuses", {"project": project.pk, "name": "x"})

    assert [r.status_code for r in (created, patched, deleted, status)] == [403] * 4
    assert created.json()["detail"] == (
        "You need the 'add_us' permission in project 'Public Project'."
    )
    assert list(UserStory.objects.values_list("subject", flat=True)) == ["Public story"]


def test_the_role_decides_what_a_member_may_change(client_for, stakeholder, project, story):
    client = client_for(stakeholder)

    story_created = client.post("/api/v1/userstories", {"project": project.pk, "subject": "x"})
    story_patched = client.patch(f"/api/v1/userstories/{story.pk}", {"subject": "x"})
    issue_created = client.post("/api/v1/issues", {"project": project.pk, "subject": "Bug"})
    issue_deleted = client.delete(f"/api/v1/issues/{issue_created.json()['id']}")

    assert (story_created.status_code, story_patched.status_code) == (403, 403)
    assert (issue_created.status_code, issue_deleted.status_code) == (201, 403)
    assert "'delete_issue'" in issue_deleted.json()["detail"]


def test_a_role_without_view_hides_that_kind(client_for, owner, member, project, story):
    role = Membership.objects.get(project=project, user=member).role
    role.permissions = ["view_project", "view_tasks"]
    role.save()
    project.anon_permissions = project.public_permissions = ["view_project"]
    project.save()
    client = client_for(member)

    assert client.get(f"/api/v1/userstories/{story.pk}").status_code == 404
    assert client.get("/api/v1/userstories", {"project": project.pk}).json() == []
    assert client.get("/api/v1/tasks", {"project": project.pk}).status_code == 200
    assert client_for(owner).get(f"/api/v1/userstories/{story.pk}").status_code == 200


def test_member_writes_content_and_admins_write_values(client_for, member, owner, project, story):
    created = client_for(member).post(
        "/api/v1/userstories", {"project": project.pk, "subject": "m"}
    )
    patched = client_for(member).patch(f"/api/v1/userstories/{story.pk}", {"subject": "edited"})
    by_member = client_for(member).post(
        "/api/v1/userstory-statuses", {"project": project.pk, "name": "Blocked"}
    )
    by_owner = client_for(owner).post(
        "/api/v1/userstory-statuses", {"project": project.pk, "name": "Blocked"}
    )

    assert (created.status_code, patched.status_code) == (201, 200)
    assert created.json()["owner"] == member.pk
    assert by_member.status_code == 403
    assert "'admin_project_values'" in by_member.json()["detail"]
    assert by_owner.status_code == 201


def test_private_project_is_invisible_to_others(
    anonymous, client_for, outsider, private_project, secret_story
):
    for client in (anonymous, client_for(outsider)):
        assert client.get(f"/api/v1/projects/{private_project.pk}").status_code == 404
        assert client.get(f"/api/v1/userstories/{secret_story.pk}").status_code == 404
        for url in ("projects", "userstories", "userstory-statuses", "memberships", "roles"):
            assert client.get(f"/api/v1/{url}").json() == [], url


def test_private_project_cannot_be_written_into_by_others(
    client_for, outsider, private_project, secret_story
):
    client = client_for(outsider)

    created = client.post(
        "/api/v1/userstories", {"project": private_project.pk, "subject": "intrusion"}
    )
    patched = client.patch(f"/api/v1/userstories/{secret_story.pk}", {"subject": "x"})

    assert created.status_code == 400
    assert created.json() == {
        "project": [f"There is no project with id {private_project.pk} that you can see."]
    }
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


def test_only_owner_and_admins_change_a_project(client_for, member, make_user, project):
    admin = make_user("admin")
    project_services.add_member(project, admin, is_admin=True)

    by_member = client_for(member).patch(f"/api/v1/projects/{project.pk}", {"name": "Mine"})
    by_admin = client_for(admin).patch(f"/api/v1/projects/{project.pk}", {"name": "Renamed"})
    deleted_by_member = client_for(member).delete(f"/api/v1/projects/{project.pk}")

    assert by_member.status_code == 403
    assert deleted_by_member.status_code == 403
    assert by_admin.status_code == 200
    project.refresh_from_db()
    assert (project.name, project.slug) == ("Renamed", "public-project")


def test_only_admins_change_memberships(client_for, member, owner, outsider, project):
    by_member = client_for(member).post(
        "/api/v1/memberships", {"project": project.pk, "user": outsider.pk, "is_admin": True}
    )
    by_owner = client_for(owner).post(
        "/api/v1/memberships", {"project": project.pk, "user": outsider.pk}
    )

    assert by_member.status_code == 403
    assert by_owner.status_code == 201
    membership = Membership.objects.get(project=project, user=outsider)
    assert (membership.is_admin, membership.role.slug) == (False, "developer")


def test_members_cannot_remove_members(client_for, member, owner, project):
    owners = Membership.objects.get(project=project, user=owner)

    response = client_for(member).delete(f"/api/v1/memberships/{owners.pk}")

    assert response.status_code == 403
    assert Membership.objects.filter(pk=owners.pk).exists()
