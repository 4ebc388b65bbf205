"""Demo data for trying the system by hand: three users, a public project that a team works
in (statuses, two swimlanes, a sprint, a dozen user stories with tasks, issues, an epic and
wiki pages; members with different roles, notify policies and watchers) and a private
project only ``admin`` is in.

Loading is idempotent: whatever already exists is kept as it is and nothing is duplicated,
so it can run on every start (the demo watchers are watching again after each load).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models, transaction

from taiga.projects import services as project_services
from taiga.projects.epics import services as epic_services
from taiga.projects.epics.models import Epic
from taiga.projects.issues import services as issue_services
from taiga.projects.issues.models import Issue
from taiga.projects.milestones import services as milestone_services
from taiga.projects.milestones.models import Milestone
from taiga.projects.models import Project, Swimlane, UserStoryStatus
from taiga.projects.notifications.choices import NotifyLevel
from taiga.projects.notifications.models import NotifyPolicy
from taiga.projects.notifications.watchers import watch
from taiga.projects.services import values
from taiga.projects.tasks import services as task_services
from taiga.projects.userstories import services as userstory_services
from taiga.projects.userstories.models import UserStory
from taiga.projects.wiki import services as wiki_services
from taiga.projects.wiki.models import WikiPage
from taiga.users.models import User

DEMO_PASSWORD = "123123"
DEMO_PROJECT_SLUG = "demo-project"
PRIVATE_PROJECT_SLUG = "admins-private-project"

# username -> (full name, is superuser, role slug in the demo project)
_USERS = {
    "admin": ("Administrator", True, "product-owner"),
    "alice": ("Alice Anderson", False, "developer"),
    "bob": ("Bob Brown", False, "stakeholder"),
}
_SWIMLANES = ("Frontend", "Backend")
_SPRINT = "Sprint 1"

# (subject, status slug, swimlane, in the sprint, assignee, tasks)
_USER_STORIES = (
    ("Sign in with username or email", "done", "Backend", True, "alice", ("Login API",)),
    (
        "See teammates' changes on the board live",
        "in-progress",
        "Frontend",
        True,
        "alice",
        ("Subscribe to the project", "Refresh changed cards"),
    ),
    ("Get notified when assigned to a story", "new", "Backend", True, None, ("Notify policy",)),
    ("Drag stories between columns", "ready", "Frontend", True, "alice", ("Drop targets",)),
    ("Reorder the backlog", "ready", "Frontend", False, None, ()),
    ("Plan a sprint from the backlog", "new", "Frontend", False, None, ()),
    ("Keep a project private", "done", "Backend", False, "admin", ("Permission checks",)),
    ("Invite people with a role", "new", "Backend", False, None, ()),
    ("Write the project wiki", "ready-for-test", "Frontend", False, "alice", ()),
    ("Report a bug from the board", "new", "Frontend", False, None, ()),
    ("Follow an epic's progress", "new", "Backend", False, None, ()),
    ("Archive finished stories", "archived", "Backend", False, "admin", ()),
)
_EPIC = ("Real-time collaboration", "#ff9900", 4)  # subject, color, first stories related
# (subject, type, priority, severity)
_ISSUES = (
    ("Board does not refresh after reconnecting", "Bug", "High", "Important"),
    ("Can swimlanes have WIP limits?", "Question", "Normal", "Minor"),
    ("Show who is looking at a story", "Enhancement", "Low", "Wishlist"),
)
# Notify levels in the demo project; admin keeps the default (involved).
_NOTIFY_LEVELS = {"alice": NotifyLevel.ALL, "bob": NotifyLevel.INVOLVED}
# (username, subject of a user story or issue they watch)
_WATCHING = (
    ("bob", "See teammates' changes on the board live"),
    ("bob", "Board does not refresh after reconnecting"),
    ("alice", "Can swimlanes have WIP limits?"),
)
_WIKI_PAGES = (
    ("home", "# Demo Project\n\nWatch the live board while you change things here."),
    ("events", "Every change emits an event on `changes.project.<id>.<app>.<model>`."),
)


@dataclass(frozen=True)
class DemoData:
    project: Project
    statuses: list[UserStoryStatus]
    users: dict[str, User]
    userstories: list[UserStory]
    swimlanes: list[Swimlane]
    milestone: Milestone
    epic: Epic
    issues: list[Issue]
    wiki_pages: list[WikiPage]
    private_project: Project


@transaction.atomic
def load_demo_data() -> DemoData:
    """Create whatever of the demo users, projects and their content does not exist yet."""
    users = {name: _user(name, full_name, su) for name, (full_name, su, _) in _USERS.items()}
    admin = users["admin"]
    project = _find_or(Project.objects.filter(slug=DEMO_PROJECT_SLUG), lambda: _project(admin))
    for name, (_, _, role) in _USERS.items():
        if not project.memberships.filter(user=users[name]).exists():
            project_services.add_member(
                project, users[name], role=project.roles.get(slug=role), by=admin
            )
    swimlanes = [
        _find_or(
            project.swimlanes.filter(name=name),
            lambda name=name: values.create_value(Swimlane, project=project, name=name),
        )
        for name in _SWIMLANES
    ]
    sprint = _find_or(project.milestones.filter(name=_SPRINT), lambda: _sprint(project, admin))
    userstories = [_userstory(project, users, sprint, *story) for story in _USER_STORIES]
    epic = _epic(project, admin, userstories)
    issues = [_issue(project, users["bob"], *issue) for issue in _ISSUES]
    for name, level in _NOTIFY_LEVELS.items():
        NotifyPolicy.objects.get_or_create(
            project=project, user=users[name], defaults={"notify_level": level}
        )
    watched = {item.subject: item for item in [*userstories, *issues]}
    for name, subject in _WATCHING:
        watch(watched[subject], users[name])
    pages = [
        _find_or(
            project.wiki_pages.filter(slug=slug),
            lambda slug=slug, text=text: wiki_services.create_wiki_page(
                project=project, owner=admin, slug=slug, content=text
            ),
        )
        for slug, text in _WIKI_PAGES
    ]
    private = _find_or(
        Project.objects.filter(slug=PRIVATE_PROJECT_SLUG),
        lambda: project_services.create_project(
            owner=admin,
            name="Admin's Private Project",
            description="Only its owner, admin, may see it.",
            is_private=True,
        ),
    )
    return DemoData(
        project=project,
        statuses=list(project.us_statuses.order_by("order", "id")),
        users=users,
        userstories=userstories,
        swimlanes=swimlanes,
        milestone=sprint,
        epic=epic,
        issues=issues,
        wiki_pages=pages,
        private_project=private,
    )


def _find_or(queryset: models.QuerySet, create: Callable[[], models.Model]) -> models.Model:
    return queryset.first() or create()


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


def _sprint(project: Project, owner: User) -> Milestone:
    start = date.today() - timedelta(days=3)
    return milestone_services.create_milestone(
        project=project,
        owner=owner,
        name=_SPRINT,
        estimated_start=start,
        estimated_finish=start + timedelta(days=14),
    )


def _userstory(
    project: Project,
    users: dict[str, User],
    sprint: Milestone,
    subject: str,
    status_slug: str,
    swimlane: str,
    in_sprint: bool,
    assignee: str | None,
    tasks: tuple[str, ...],
) -> UserStory:
    story = project.user_stories.filter(subject=subject).first()
    if story is None:
        story = userstory_services.create_userstory(
            project=project,
            owner=users["admin"],
            subject=subject,
            status=project.us_statuses.get(slug=status_slug),
            swimlane=project.swimlanes.get(name=swimlane),
            milestone=sprint if in_sprint else None,
            assigned_to=users.get(assignee),
        )
    for task in tasks:
        if not story.tasks.filter(subject=task).exists():
            task_services.create_task(
                project=project, owner=users["admin"], subject=task, user_story=story
            )
    return story


def _epic(project: Project, owner: User, userstories: list[UserStory]) -> Epic:
    subject, color, related = _EPIC
    epic = project.epics.filter(subject=subject).first()
    if epic is None:
        epic = epic_services.create_epic(project=project, owner=owner, subject=subject, color=color)
    for story in userstories[:related]:
        if not epic.related_user_stories.filter(user_story=story).exists():
            epic_services.relate_userstory(epic, story)
    return epic


def _issue(
    project: Project, owner: User, subject: str, type_: str, priority: str, severity: str
) -> Issue:
    return _find_or(
        project.issues.filter(subject=subject),
        lambda: issue_services.create_issue(
            project=project,
            owner=owner,
            subject=subject,
            type=project.issue_types.get(name=type_),
            priority=project.priorities.get(name=priority),
            severity=project.severities.get(name=severity),
        ),
    )
