"""A project's statuses, types, priorities, severities, swimlanes and board cells."""

import pytest

from taiga.projects.issues import services as issue_services
from taiga.projects.models import Swimlane, SwimlaneUserStoryStatus, UserStoryStatus
from taiga.projects.services import values
from taiga.projects.userstories import services as userstory_services

pytestmark = pytest.mark.django_db

# url -> (the project's values, a body to create one)
VALUES = {
    "userstory-statuses": ("us_statuses", {"name": "Blocked", "wip_limit": 2}),
    "task-statuses": ("task_statuses", {"name": "Blocked", "is_closed": True}),
    "issue-statuses": ("issue_statuses", {"name": "Duplicate", "is_closed": True}),
    "epic-statuses": ("epic_statuses", {"name": "Dropped"}),
    "issue-types": ("issue_types", {"name": "Chore", "color": "#123456"}),
    "priorities": ("priorities", {"name": "Urgent"}),
    "severities": ("severities", {"name": "Blocker"}),
    "swimlanes": ("swimlanes", {"name": "Mobile"}),
}


@pytest.mark.parametrize("url", VALUES)
def test_admins_manage_values_and_members_only_read_them(client_for, owner, member, project, url):
    related, body = VALUES[url]
    admin, reader = client_for(owner), client_for(member)
    existing = getattr(project, related).count()

    created = admin.post(f"/api/v1/{url}", {"project": project.pk, **body})
    pk = created.json()["id"]
    denied = [
        reader.post(f"/api/v1/{url}", {"project": project.pk, **body}).status_code,
        reader.patch(f"/api/v1/{url}/{pk}", {"name": "Mine"}).status_code,
        reader.delete(f"/api/v1/{url}/{pk}").status_code,
    ]
    listed = reader.get(f"/api/v1/{url}", {"project": project.pk})
    renamed = admin.patch(f"/api/v1/{url}/{pk}", {"name": "Renamed"})
    deleted = admin.delete(f"/api/v1/{url}/{pk}")

    assert created.status_code == 201, created.content
    assert created.json()["order"] == existing + 1
    assert denied == [403, 403, 403]
    assert pk in [value["id"] for value in listed.json()]
    assert renamed.json()["name"] == "Renamed"
    assert deleted.status_code == 204
    assert not getattr(project, related).filter(pk=pk).exists()


def test_a_value_in_use_moves_its_items_before_going(client_for, owner, project):
    new, done = project.us_statuses.get(slug="new"), project.us_statuses.get(slug="done")
    story = userstory_services.create_userstory(project=project, owner=owner, subject="s")
    client = client_for(owner)

    nowhere = client.delete(f"/api/v1/userstory-statuses/{new.pk}", QUERY_STRING="moveTo=999")
    itself = client.delete(f"/api/v1/userstory-statuses/{new.pk}?moveTo={new.pk}")
    moved = client.delete(f"/api/v1/userstory-statuses/{new.pk}?moveTo={done.pk}")

    assert nowhere.status_code == 400
    assert itself.status_code == 400
    assert moved.status_code == 204
    story.refresh_from_db()
    assert (story.status, story.version) == (done, 2)


def test_swimlanes_and_statuses_keep_one_cell_per_pair(owner, project):
    lane = values.create_value(Swimlane, project=project, name="A")
    status = values.create_userstory_status(project=project, name="Blocked")
    other = values.create_value(Swimlane, project=project, name="B")

    pairs = set(SwimlaneUserStoryStatus.objects.values_list("swimlane", "status"))
    statuses = set(project.us_statuses.values_list("pk", flat=True))
    assert pairs == {(s, u) for s in (lane.pk, other.pk) for u in statuses}
    assert all(cell.project_id == project.pk for cell in SwimlaneUserStoryStatus.objects.all())

    values.delete_userstory_status(status)
    other.delete()
    assert set(SwimlaneUserStoryStatus.objects.values_list("swimlane", flat=True)) == {lane.pk}
    assert SwimlaneUserStoryStatus.objects.count() == len(statuses) - 1


def test_the_first_swimlane_takes_every_story_and_new_ones(owner, project):
    before = userstory_services.create_userstory(project=project, owner=owner, subject="a")

    first = values.create_value(Swimlane, project=project, name="First")
    values.create_value(Swimlane, project=project, name="Second")
    after = userstory_services.create_userstory(project=project, owner=owner, subject="b")

    before.refresh_from_db()
    assert (before.swimlane, before.version) == (first, 2)
    assert after.swimlane == first


def test_deleting_a_swimlane_unclassifies_its_stories(client_for, owner, project):
    lane = values.create_value(Swimlane, project=project, name="Lane")
    story = userstory_services.create_userstory(project=project, owner=owner, subject="a")

    response = client_for(owner).delete(f"/api/v1/swimlanes/{lane.pk}")

    assert response.status_code == 204
    story.refresh_from_db()
    assert story.swimlane is None


def test_cells_have_their_own_wip_limit(client_for, owner, member, project):
    lane = values.create_value(Swimlane, project=project, name="Lane")
    cell = lane.statuses.first()

    by_member = client_for(member).patch(
        f"/api/v1/swimlane-userstory-statuses/{cell.pk}", {"wip_limit": 3}
    )
    by_owner = client_for(owner).patch(
        f"/api/v1/swimlane-userstory-statuses/{cell.pk}", {"wip_limit": 3, "status": 999}
    )
    created = client_for(owner).post(
        "/api/v1/swimlane-userstory-statuses", {"swimlane": lane.pk, "status": 1}
    )
    listed = client_for(member).get("/api/v1/swimlanes", {"project": project.pk}).json()

    assert by_member.status_code == 403
    assert (by_owner.status_code, by_owner.json()["wip_limit"]) == (200, 3)
    assert by_owner.json()["status"] == cell.status_id
    assert created.status_code == 405
    assert [c["wip_limit"] for c in listed[0]["statuses"]] == [3, None, None, None, None, None]


def test_bulk_update_order_of_values(client_for, owner, member, project):
    new, ready = project.us_statuses.all()[:2]
    body = {"project": project.pk, "bulk_userstory_statuses": [[new.pk, 9], [ready.pk, 8]]}
    url = "/api/v1/userstory-statuses/bulk_update_order"

    by_member = client_for(member).post(url, body)
    by_owner = client_for(owner).post(url, body)

    assert by_member.status_code == 403
    assert by_owner.status_code == 204
    assert list(
        UserStoryStatus.objects.filter(pk__in=[new.pk, ready.pk]).values_list("order", flat=True)
    ) == [8, 9]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"bulk_swimlanes": [[1, 2, 3]]}, "Ensure this field has no more than 2 elements."),
        ({"bulk_swimlanes": []}, "This list may not be empty."),
        ({"bulk_swimlanes": "nope"}, 'Expected a list of items but got type "str".'),
        ({"bulk_swimlanes": [[999, 1]]}, "No swimlane in this project has the id 999."),
    ],
)
def test_bulk_update_order_refuses_bad_bodies(client_for, owner, project, body, message):
    values.create_value(Swimlane, project=project, name="Lane")

    response = client_for(owner).post(
        "/api/v1/swimlanes/bulk_update_order", {"project": project.pk, **body}
    )

    assert response.status_code == 400
    assert message in str(response.json())


def test_issue_values_in_use_are_a_409(client_for, owner, project):
    issue_services.create_issue(project=project, owner=owner, subject="x")
    bug = project.issue_types.get(name="Bug")

    response = client_for(owner).delete(f"/api/v1/issue-types/{bug.pk}")

    assert response.status_code == 409
    assert project.issue_types.filter(pk=bug.pk).exists()
