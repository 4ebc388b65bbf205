"""What every list and endpoint shares: routes, filters, pagination, the OpenAPI schema."""

import re
import warnings

import pytest

from taiga.projects.userstories import services as userstory_services

pytestmark = pytest.mark.django_db

LISTS = [
    "projects",
    "roles",
    "memberships",
    "userstory-statuses",
    "task-statuses",
    "issue-statuses",
    "epic-statuses",
    "issue-types",
    "priorities",
    "severities",
    "swimlanes",
    "swimlane-userstory-statuses",
    "milestones",
    "userstories",
    "tasks",
    "issues",
    "epics",
    "wiki",
]


@pytest.mark.parametrize("url", LISTS)
def test_lists_are_plain_arrays_with_and_without_a_slash(anonymous, project, url):
    for path in (f"/api/v1/{url}", f"/api/v1/{url}/"):
        response = anonymous.get(path)
        assert response.status_code == 200, path
        assert isinstance(response.json(), list)
        assert "x-paginated" not in response.headers


def test_pages_when_asked_with_the_originals_headers(anonymous, project, owner):
    for index in range(5):
        userstory_services.create_userstory(project=project, owner=owner, subject=f"s{index}")

    second = anonymous.get("/api/v1/userstories", {"page": 2, "page_size": 2})
    last = anonymous.get("/api/v1/userstories", {"page": 3, "page_size": 2})
    beyond = anonymous.get("/api/v1/userstories", {"page": 4, "page_size": 2})
    bad = anonymous.get("/api/v1/userstories", {"page": "two"})

    assert [s["subject"] for s in second.json()] == ["s2", "s3"]
    headers = second.headers
    assert (headers["x-paginated"], headers["x-paginated-by"]) == ("true", "2")
    assert (headers["x-pagination-count"], headers["x-pagination-current"]) == ("5", "2")
    assert "page=3" in headers["x-pagination-next"]
    assert "page=1" in headers["x-pagination-prev"]
    assert [s["subject"] for s in last.json()] == ["s4"]
    assert "x-pagination-next" not in last.headers
    assert beyond.status_code == 404
    assert bad.status_code == 400
    assert bad.json() == {"page": "Expected a positive integer, got 'two'."}


def test_the_backlog_is_the_stories_without_milestone(anonymous, project, owner):
    sprint = project.milestones.create(
        name="S", slug="s", estimated_start="2025-01-01", estimated_finish="2025-01-02"
    )
    planned = userstory_services.create_userstory(
        project=project, owner=owner, subject="planned", milestone=sprint
    )
    userstory_services.create_userstory(project=project, owner=owner, subject="later")

    backlog = anonymous.get("/api/v1/userstories", {"milestone": "null"}).json()
    in_sprint = anonymous.get("/api/v1/userstories", {"milestone": sprint.pk}).json()
    open_sprints = anonymous.get("/api/v1/milestones", {"closed": "false"}).json()

    assert [s["subject"] for s in backlog] == ["later"]
    assert [s["id"] for s in in_sprint] == [planned.pk]
    assert [m["id"] for m in open_sprints] == [sprint.pk]


def test_a_body_that_is_not_json_is_a_400(client_for, member, project):
    response = client_for(member).post(
        "/api/v1/userstories", data="{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_project_by_slug(anonymous, project, private_project):
    found = anonymous.get("/api/v1/projects/by_slug", {"slug": "public-project"})
    hidden = anonymous.get("/api/v1/projects/by_slug", {"slug": private_project.slug})

    assert found.json()["id"] == project.pk
    assert hidden.status_code == 404


def test_the_openapi_schema_is_served_and_valid(anonymous):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # DRF warns about clashing names and bad views
        response = anonymous.get("/api/v1/schema")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.0")
    assert schema["info"]["title"] and schema["info"]["version"] == "1"
    components = schema.get("components", {}).get("schemas", {})
    operation_ids = []
    for path, operations in schema["paths"].items():
        assert path.startswith("/api/v1/"), path
        variables = set(re.findall(r"{(\w+)}", path))
        for method, operation in operations.items():
            assert method in {"get", "post", "put", "patch", "delete"}, (path, method)
            operation_ids.append(operation["operationId"])
            assert operation["responses"], (path, method)
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == variables, (path, method)
    assert len(operation_ids) == len(set(operation_ids))
    for ref in re.findall(r'"\$ref": ?"#/components/schemas/([^"]+)"', response.content.decode()):
        assert ref in components, ref
    for endpoint in (
        "userstories/bulk_update_backlog_order",
        "userstories/bulk_update_kanban_order",
        "userstories/bulk_update_sprint_order",
        "userstories/bulk_update_milestone",
        "tasks/bulk_update_taskboard_order",
        "epics/bulk_update_epic_order",
        "epics/{epic}/related_userstories/bulk_update_order",
        "swimlanes/bulk_update_order",
        "issues/bulk_update_status",
        "tasks/bulk_update_assigned_to",
    ):
        assert f"/api/v1/{endpoint}/" in schema["paths"], endpoint
    kanban = schema["paths"]["/api/v1/userstories/bulk_update_kanban_order/"]["post"]
    body = kanban["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert set(components[body.rsplit("/", 1)[1]]["properties"]) >= {
        "project_id",
        "status_id",
        "swimlane_id",
        "after_userstory_id",
        "before_userstory_id",
        "bulk_userstories",
    }


def test_a_race_lost_to_a_unique_constraint_is_a_409(client_for, member, project, monkeypatch):
    from django.db import IntegrityError

    from taiga.projects.wiki import services

    def lose_the_race(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(services, "create_item", lose_the_race)

    response = client_for(member).post("/api/v1/wiki", {"project": project.pk, "slug": "home"})

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This conflicts with a change made at the same time; try again."
    }
