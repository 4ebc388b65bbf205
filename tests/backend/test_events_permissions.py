"""``GET /api/v1/events/permissions``: signed permission claims for the events gateway."""

from datetime import UTC, datetime

import jwt
import pytest
from django.conf import settings
from django.test import override_settings

from taiga.projects import services as project_services
from taiga.projects.models import Project
from taiga.projects.permissions import VIEW_PERMISSIONS

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/permissions"
VIEWS = sorted(VIEW_PERMISSIONS)


def claims_of(response) -> dict:
    assert response.status_code == 200, response.json()
    return jwt.decode(response.json()["token"], settings.SECRET_KEY, algorithms=["HS256"])


def test_claims_list_the_view_permissions_in_each_project_asked_about(
    client_for, member, project, private_project, stakeholder
):
    stranger = project_services.create_project(
        owner=stakeholder, name="Not theirs", is_private=True
    )
    ids = f"{project.pk},{private_project.pk},{stranger.pk},999999"

    claims = claims_of(client_for(member).get(URL, {"projects": ids}))

    assert claims["token_type"] == "events_permissions"
    assert claims["user_id"] == member.pk
    assert claims["superuser"] is False
    assert {key: sorted(names) for key, names in claims["projects"].items()} == {
        str(project.pk): VIEWS,
        str(private_project.pk): VIEWS,
        str(stranger.pk): [],
        "999999": [],
    }
    # In a private project, a role's narrower permissions are what its members get.
    project.roles.filter(slug="stakeholder").update(permissions=["view_project", "view_us"])
    Project.objects.filter(pk=project.pk).update(is_private=True)
    narrow = claims_of(client_for(stakeholder).get(URL, {"projects": str(project.pk)}))
    assert narrow["projects"] == {str(project.pk): ["view_project", "view_us"]}


@override_settings(EVENTS_PERMISSIONS_LIFETIME_SECONDS=20)
def test_claims_expire_after_the_configured_lifetime(client_for, member, project):
    response = client_for(member).get(URL, {"projects": str(project.pk)})

    claims = claims_of(response)
    assert response.json()["expires_in"] == 20
    assert claims["exp"] - claims["iat"] == 20
    assert abs(claims["iat"] - datetime.now(UTC).timestamp()) < 60


def test_a_superuser_is_said_so_and_no_projects_is_fine(client_for, superuser):
    claims = claims_of(client_for(superuser).get(URL))

    assert (claims["superuser"], claims["projects"]) == (True, {})


def test_anonymous_people_get_no_claims(anonymous, project):
    assert anonymous.get(URL, {"projects": str(project.pk)}).status_code == 401


@pytest.mark.parametrize(
    ("projects", "detail"),
    [
        ("1,two", "projects: expected comma-separated project ids."),
        ("-1", "projects: expected comma-separated project ids."),
        ("1" * 19, "projects: expected comma-separated project ids."),
        (",".join(str(n) for n in range(51)), "projects: at most 50 projects at a time."),
    ],
)
def test_malformed_project_lists_are_a_400(client_for, member, projects, detail):
    response = client_for(member).get(URL, {"projects": projects})

    assert (response.status_code, response.json()) == (400, {"detail": detail})


def test_claims_are_not_an_access_token(anonymous, client_for, member, project):
    token = client_for(member).get(URL, {"projects": str(project.pk)}).json()["token"]
    anonymous.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    assert anonymous.get("/api/v1/users/me").status_code == 401
