import pytest
from django.core.management import call_command

from taiga.demo.data import load_demo_data
from taiga.projects.models import Membership, Project, UserStoryStatus
from taiga.projects.userstories.models import UserStory
from taiga.users.models import User

pytestmark = pytest.mark.django_db


def counts():
    return [
        model.objects.count() for model in (User, Project, Membership, UserStoryStatus, UserStory)
    ]


def test_loads_the_demo_project_users_and_stories():
    demo = load_demo_data()

    assert (demo.project.name, demo.project.slug, demo.project.is_private) == (
        "Demo Project",
        "demo-project",
        False,
    )
    assert demo.project.owner == demo.users["admin"]
    assert set(demo.users) == {"admin", "alice", "bob"}
    assert demo.users["admin"].is_superuser and demo.users["admin"].is_staff
    assert all(user.check_password("123123") and user.email for user in demo.users.values())
    assert set(demo.project.memberships.values_list("user__username", flat=True)) == {
        "admin",
        "alice",
        "bob",
    }
    assert [s.name for s in demo.statuses] == [
        "New",
        "Ready",
        "In progress",
        "Ready for test",
        "Done",
        "Archived",
    ]
    assert [s.ref for s in demo.userstories] == [1, 2, 3]


def test_loading_twice_creates_nothing_new():
    first = load_demo_data()
    before = counts()

    second = load_demo_data()

    assert counts() == before == [3, 1, 3, 6, 3]
    assert second.project == first.project
    assert second.userstories == first.userstories


def test_demo_users_can_log_in(anonymous):
    load_demo_data()

    response = anonymous.post(
        "/api/v1/auth", {"type": "normal", "username": "alice", "password": "123123"}
    )

    assert response.status_code == 200


def test_command_prints_a_one_line_summary(capsys):
    call_command("load_demo_data")

    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert "Demo Project" in out and "alice" in out
