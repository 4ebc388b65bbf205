"""Demo data for trying the system by hand: three users and one public project.

Loading is idempotent: whatever already exists is kept as it is and nothing is duplicated,
so it can run on every start.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from taiga.projects import services as project_services
from taiga.projects.models import Project, UserStoryStatus
from taiga.projects.userstories import services as userstory_services
from taiga.projects.userstories.models import UserStory
from taiga.users.models import User

DEMO_PASSWORD = "123123"
DEMO_PROJECT_SLUG = "demo-project"

# username -> (full name, is superuser)
_USERS = {
    "admin": ("Administrator", True),
    "alice": ("Alice Anderson", False),
    "bob": ("Bob Brown", False),
}

# (subject, status slug)
_USER_STORIES = (
    ("Sign in with username or email", "done"),
    ("See teammates' changes on the board live", "in-progress"),
    ("Get notified when assigned to a story", "new"),
)


@dataclass(frozen=True)
class DemoData:
    project: Project
    statuses: list[UserStoryStatus]
    users: dict[str, User]
    userstories: list[UserStory]


@transaction.atomic
def load_demo_data() -> DemoData:
    """Create the demo users, project, members and user stories that do not exist yet."""
    users = {username: _user(username, *details) for username, details in _USERS.items()}
    project = Project.objects.filter(slug=DEMO_PROJECT_SLUG).first() or _project(users["admin"])
    for username in ("alice", "bob"):
        if not project.memberships.filter(user=users[username]).exists():
            project_services.add_member(project, users[username])
    statuses = list(project.us_statuses.order_by("order", "id"))
    userstories = [_userstory(project, users["admin"], *story) for story in _USER_STORIES]
    return DemoData(project=project, statuses=statuses, users=users, userstories=userstories)


def _user(username: str, full_name: str, is_superuser: bool) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "full_name": full_name,
            "email": f"{username}@example.com",
            "is_superuser": is_superuser,
            "is_staff": is_superuser,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _project(owner: User) -> Project:
    return project_services.create_project(
        owner=owner,
        name="Demo Project",
        description="A public project to watch real-time events with.",
    )


def _userstory(project: Project, owner: User, subject: str, status_slug: str) -> UserStory:
    existing = project.user_stories.filter(subject=subject).first()
    if existing is not None:
        return existing
    return userstory_services.create_userstory(
        project=project,
        owner=owner,
        subject=subject,
        status=project.us_statuses.filter(slug=status_slug).first(),
    )
