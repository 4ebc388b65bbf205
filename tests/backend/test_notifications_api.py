"""``/api/v1/web-notifications`` and ``/api/v1/notify-policies``: one's own only."""

import pytest

from taiga.projects.notifications import web
from taiga.projects.notifications.choices import WebNotificationType
from taiga.projects.notifications.models import NotifyPolicy, WebNotification
from taiga.projects.notifications.policies import levels_in
from taiga.projects.tasks import services as task_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def notifications(project, owner, member, outsider) -> list[WebNotification]:
    """Three notifications of member's (oldest first) and one of outsider's."""
    task = task_services.create_task(project=project, owner=owner, subject="T")
    WebNotification.objects.all().delete()  # those of the fixtures' memberships
    mine = [
        web.notify(kind, [member.pk], by=owner, project=project, item=task)[0]
        for kind in (WebNotificationType.ASSIGNED, WebNotificationType.MENTIONED)
    ]
    mine += web.notify(WebNotificationType.ADDED_AS_MEMBER, [member.pk], by=owner, project=project)
    web.notify(WebNotificationType.MENTIONED, [outsider.pk], by=owner, project=project, item=task)
    return mine


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [notification["id"] for notification in response.json()]


def test_lists_ones_own_newest_first(client_for, member, notifications):
    response = client_for(member).get("/api/v1/web-notifications")

    assert ids(response) == [n.pk for n in reversed(notifications)]
    newest = notifications[-1]
    assert response.json()[0] == {
        "id": newest.pk,
        "event_type": 4,  # the original Taiga's number of added_as_member
        "user": member.pk,
        "data": newest.data,
        "created": newest.data["created"],
        "read": None,
    }
    assert [n["event_type"] for n in response.json()] == [4, 2, 1]


def test_pages_as_the_other_lists(client_for, member, notifications):
    response = client_for(member).get("/api/v1/web-notifications", {"page_size": 2})

    assert ids(response) == [notifications[2].pk, notifications[1].pk]
    assert response.headers["x-pagination-count"] == "3"


def test_marks_one_read_and_lists_the_unread(client_for, member, notifications):
    client = client_for(member)
    first, second, third = notifications

    posted = client.post(f"/api/v1/web-notifications/{first.pk}/set_as_read")
    patched = client.patch(f"/api/v1/web-notifications/{second.pk}/set_as_read")

    assert posted.status_code == patched.status_code == 200
    first.refresh_from_db()
    assert posted.json()["read"] == first.read.isoformat().replace("+00:00", "Z")
    assert ids(client.get("/api/v1/web-notifications", {"only_unread": "true"})) == [third.pk]
    assert len(ids(client.get("/api/v1/web-notifications", {"only_unread": "false"}))) == 3
    bad = client.get("/api/v1/web-notifications", {"only_unread": "yes"})
    assert bad.status_code == 400
    assert bad.json() == {"only_unread": "Expected true or false, got 'yes'."}


def test_reading_again_keeps_when_it_was_read(client_for, member, notifications):
    client = client_for(member)
    url = f"/api/v1/web-notifications/{notifications[0].pk}/set_as_read"

    first = client.post(url).json()["read"]

    assert client.post(url).json()["read"] == first


def test_marks_all_ones_own_read(client_for, member, outsider, notifications):
    response = client_for(member).post("/api/v1/web-notifications/set_as_read")

    assert response.status_code == 204
    assert not WebNotification.objects.filter(user=member, read__isnull=True).exists()
    assert WebNotification.objects.get(user=outsider).read is None


def test_someone_elses_notification_does_not_exist_for_you(client_for, outsider, notifications):
    client = client_for(outsider)
    url = f"/api/v1/web-notifications/{notifications[0].pk}"

    assert client.get(url).status_code == 404
    assert client.post(f"{url}/set_as_read").status_code == 404
    notifications[0].refresh_from_db()
    assert notifications[0].read is None


def test_anonymous_people_have_no_notifications(anonymous, notifications):
    assert anonymous.get("/api/v1/web-notifications").status_code == 401
    assert anonymous.post("/api/v1/web-notifications/set_as_read").status_code == 401
    assert anonymous.get("/api/v1/notify-policies").status_code == 401


def test_a_policy_for_each_project_one_is_member_of(client_for, project, private_project, member):
    client = client_for(member)

    first = client.get("/api/v1/notify-policies")
    again = client.get("/api/v1/notify-policies")

    assert first.status_code == 200
    assert again.json() == first.json()
    assert sorted(first.json(), key=lambda policy: policy["project"]) == [
        {"id": policy.pk, "project": policy.project_id, "project_name": name, "notify_level": 1}
        for policy, name in (
            (NotifyPolicy.objects.get(user=member, project=project), "Public Project"),
            (NotifyPolicy.objects.get(user=member, project=private_project), "Secret"),
        )
    ]
    only = client.get("/api/v1/notify-policies", {"project": project.pk}).json()
    assert [policy["project"] for policy in only] == [project.pk]


def test_changing_ones_level(client_for, project, private_project, member, outsider):
    client = client_for(member)
    [policy] = client.get("/api/v1/notify-policies", {"project": project.pk}).json()
    url = f"/api/v1/notify-policies/{policy['id']}"

    changed = client.patch(url, {"notify_level": 2, "project": private_project.pk})
    wrong = client.patch(url, {"notify_level": 4})

    assert changed.status_code == 200
    assert changed.json() == {**policy, "notify_level": 2}
    assert levels_in(project) == {member.pk: 2}
    assert wrong.status_code == 400
    assert client_for(outsider).get("/api/v1/notify-policies").json() == []
    assert client_for(outsider).patch(url, {"notify_level": 3}).status_code == 404
    assert levels_in(project) == {member.pk: 2}
