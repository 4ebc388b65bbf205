"""Projects, their statuses and memberships."""

import pytest

from taiga.projects import services
from taiga.projects.models import Membership, Project, UserStoryStatus
from taiga.projects.userstories.services import create_userstory

pytestmark = pytest.mark.django_db


def test_creating_a_project_makes_the_owner_admin_and_adds_default_statuses(client_for, owner):
    response = client_for(owner).post(
        "/api/v1/projects", {"name": "Web Site", "description": "d", "is_private": True}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["slug"], body["owner"], body["is_private"]) == ("web-site", owner.pk, True)
    project = Project.objects.get(pk=body["id"])
    assert list(project.memberships.values_list("user_id", "is_admin", "role__slug")) == [
        (owner.pk, True, "product-owner")
    ]
    assert list(project.roles.values_list("slug", flat=True)) == [
        "developer",
        "product-owner",
        "stakeholder",
    ]
    assert (body["anon_permissions"], body["public_permissions"]) == ([], [])
    assert list(project.us_statuses.values_list("name", "is_closed", "order")) == [
        ("New", False, 1),
        ("Ready", False, 2),
        ("In progress", False, 3),
        ("Ready for test", False, 4),
        ("Done", True, 5),
        ("Archived", True, 6),
    ]


def test_slugs_stay_unique(owner):
    slugs = [services.create_project(owner=owner, name="Same Name").slug for _ in range(3)]
    odd = services.create_project(owner=owner, name="!!!").slug

    assert slugs == ["same-name", "same-name-2", "same-name-3"]
    assert odd == "project"


def test_every_project_starts_with_its_values(owner):
    project = services.create_project(owner=owner, name="Values")

    assert [s.slug for s in project.task_statuses.all()] == [
        "new",
        "in-progress",
        "ready-for-test",
        "closed",
        "needs-info",
    ]
    assert project.issue_statuses.count() == 7
    assert project.epic_statuses.count() == 5
    assert [t.name for t in project.issue_types.all()] == ["Bug", "Question", "Enhancement"]
    assert [p.name for p in project.priorities.all()] == ["Low", "Normal", "High"]
    assert project.severities.count() == 5
    assert not project.swimlanes.exists()


def test_status_crud(client_for, owner, project):
    client = client_for(owner)

    created = client.post(
        "/api/v1/userstory-statuses",
        {"project": project.pk, "name": "In Review", "color": "#00ff00", "wip_limit": 3},
    )
    status_id = created.json()["id"]
    patched = client.patch(f"/api/v1/userstory-statuses/{status_id}", {"is_closed": True})
    deleted = client.delete(f"/api/v1/userstory-statuses/{status_id}")

    assert created.status_code == 201
    assert {k: created.json()[k] for k in ("slug", "order", "wip_limit")} == {
        "slug": "in-review",
        "order": 7,
        "wip_limit": 3,
    }
    assert (patched.status_code, patched.json()["is_closed"]) == (200, True)
    assert deleted.status_code == 204
    assert not UserStoryStatus.objects.filter(pk=status_id).exists()


def test_a_status_in_use_cannot_be_deleted(client_for, owner, project):
    status = project.us_statuses.first()
    create_userstory(project=project, owner=owner, subject="x", status=status)

    response = client_for(owner).delete(f"/api/v1/userstory-statuses/{status.pk}")

    assert response.status_code == 409
    assert response.json()["detail"] == (
        "User story status 'New' is still in use; "
        "pass ?moveTo=<id> to move what uses it to another one."
    )
    assert UserStoryStatus.objects.filter(pk=status.pk).exists()


def test_memberships_list_by_project(client_for, owner, member, project):
    services.create_project(owner=owner, name="Other")

    response = client_for(member).get("/api/v1/memberships", {"project": project.pk})

    assert {(m["username"], m["is_admin"]) for m in response.json()} == {
        ("owner", True),
        ("member", False),
    }


def test_duplicate_membership_is_a_400(client_for, owner, member, project):
    response = client_for(owner).post(
        "/api/v1/memberships", {"project": project.pk, "user": member.pk}
    )

    assert response.status_code == 400
    assert Membership.objects.filter(project=project, user=member).count() == 1


def test_members_are_removed_but_never_the_owner(client_for, owner, member, project):
    client = client_for(owner)
    owners = Membership.objects.get(project=project, user=owner)
    members = Membership.objects.get(project=project, user=member)

    kept = client.delete(f"/api/v1/memberships/{owners.pk}")
    removed = client.delete(f"/api/v1/memberships/{members.pk}")

    assert kept.status_code == 400
    assert kept.json() == {"detail": "The project owner's membership cannot be removed."}
    assert removed.status_code == 204
    assert list(project.memberships.values_list("user_id", flat=True)) == [owner.pk]


def test_admins_change_a_members_role(client_for, owner, member, outsider, project):
    membership = Membership.objects.get(project=project, user=member)
    stakeholder = project.roles.get(slug="stakeholder")
    foreign = services.create_project(owner=owner, name="Other").roles.first()
    client = client_for(owner)

    changed = client.patch(f"/api/v1/memberships/{membership.pk}", {"role": stakeholder.pk})
    foreign_role = client.patch(f"/api/v1/memberships/{membership.pk}", {"role": foreign.pk})
    other_user = client.patch(f"/api/v1/memberships/{membership.pk}", {"user": outsider.pk})

    assert (changed.status_code, changed.json()["role_name"]) == (200, "Stakeholder")
    assert foreign_role.status_code == 400
    assert foreign_role.json() == {"role": "The role belongs to another project."}
    assert other_user.status_code == 400
    membership.refresh_from_db()
    assert (membership.user, membership.role) == (member, stakeholder)


def test_roles_crud(client_for, owner, member, project):
    client = client_for(owner)

    created = client.post(
        "/api/v1/roles",
        {"project": project.pk, "name": "Tester", "permissions": ["view_project", "view_us"]},
    )
    role_id = created.json()["id"]
    patched = client.patch(f"/api/v1/roles/{role_id}", {"permissions": ["view_project"]})
    by_member = client_for(member).patch(f"/api/v1/roles/{role_id}", {"name": "Mine"})
    bad = client.post(
        "/api/v1/roles", {"project": project.pk, "name": "Bad", "permissions": ["admin_roles"]}
    )
    in_use = client.delete(f"/api/v1/roles/{project.roles.get(slug='developer').pk}")
    deleted = client.delete(f"/api/v1/roles/{role_id}")

    assert (created.status_code, created.json()["slug"], created.json()["order"]) == (
        201,
        "tester",
        40,
    )
    assert patched.json()["permissions"] == ["view_project"]
    assert by_member.status_code == 403
    assert bad.status_code == 400
    assert in_use.status_code == 409
    assert deleted.status_code == 204
