import pytest
from django.core.management import call_command

from taiga.demo.data import load_demo_data
from taiga.projects.epics.models import Epic, RelatedUserStory
from taiga.projects.issues.models import Issue
from taiga.projects.milestones.models import Milestone
from taiga.projects.models import Membership, Project, Swimlane, UserStoryStatus
from taiga.projects.notifications.models import NotifyPolicy, WebNotification
from taiga.projects.permissions import permissions_for
from taiga.projects.tasks.models import Task
from taiga.projects.userstories.models import UserStory
from taiga.projects.wiki.models import WikiPage
from taiga.users.models import User

pytestmark = pytest.mark.django_db

MODELS = (
    User,
    Project,
    Membership,
    UserStoryStatus,
    Swimlane,
    Milestone,
    UserStory,
    Task,
    Issue,
    Epic,
    RelatedUserStory,
    WikiPage,
    NotifyPolicy,
    WebNotification,
    UserStory.watchers.through,
    Issue.watchers.through,
)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_loads_a_realistic_public_project():
    demo = load_demo_data()
    project = demo.project

    assert (project.name, project.slug, project.is_private) == (
        "Demo Project",
        "demo-project",
        False,
    )
    assert project.owner == demo.users["admin"]
    assert demo.users["admin"].is_superuser and demo.users["admin"].is_staff
    assert all(user.check_password("123123") and user.email for user in demo.users.values())
    assert dict(project.memberships.values_list("user__username", "role__slug")) == {
        "admin": "product-owner",
        "alice": "developer",
        "bob": "stakeholder",
    }
    assert [s.name for s in demo.statuses] == [
        "New",
        "Ready",
        "In progress",
        "Ready for test",
        "Done",
        "Archived",
    ]
    assert [lane.name for lane in demo.swimlanes] == ["Frontend", "Backend"]
    assert len(demo.userstories) == 12
    assert {story.swimlane_id for story in demo.userstories} == {s.pk for s in demo.swimlanes}
    assert demo.milestone.user_stories.count() == 4
    assert Task.objects.filter(project=project, milestone=demo.milestone).count() == 5
    assert demo.epic.user_stories.count() == 4
    assert len(demo.issues) == 3
    assert [page.slug for page in demo.wiki_pages] == ["home", "events"]
    refs = [story.ref for story in demo.userstories]
    assert refs == sorted(refs) and refs[0] == 1


def test_people_watch_items_and_have_notify_policies():
    demo = load_demo_data()
    users = demo.users

    assert dict(
        NotifyPolicy.objects.filter(project=demo.project).values_list(
            "user__username", "notify_level"
        )
    ) == {"alice": 2, "bob": 1}
    assert list(demo.userstories[1].watchers.all()) == [users["bob"]]
    assert [list(issue.watchers.all()) for issue in demo.issues] == [
        [users["bob"]],
        [users["alice"]],
        [],
    ]
    assert set(WebNotification.objects.values_list("user__username", "type")) == {
        ("alice", "added_as_member"),
        ("bob", "added_as_member"),
        ("alice", "assigned"),
    }


def test_the_private_project_is_only_admins(anonymous, client_for):
    demo = load_demo_data()
    private = demo.private_project

    assert private.is_private
    assert list(private.memberships.values_list("user__username", flat=True)) == ["admin"]
    assert permissions_for(demo.users["alice"], private) == []
    assert client_for(demo.users["bob"]).get(f"/api/v1/projects/{private.pk}").status_code == 404


def test_loading_twice_creates_nothing_new():
    first = load_demo_data()
    before = counts()

    second = load_demo_data()

    assert counts() == before
    assert before == {
        "User": 3,
        "Project": 2,
        "Membership": 4,
        "UserStoryStatus": 12,
        "Swimlane": 2,
        "Milestone": 1,
        "UserStory": 12,
        "Task": 6,
        "Issue": 3,
        "Epic": 1,
        "RelatedUserStory": 4,
        "WikiPage": 2,
        "NotifyPolicy": 2,
        # alice and bob joined; alice was assigned four stories; all by admin.
        "WebNotification": 6,
        "UserStory_watchers": 1,
        "Issue_watchers": 2,
    }
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
