"""Who may see and change a project and what belongs to it, with the original Taiga's names.

A person's permissions in a project:

- superusers, the project's owner and its admin members: every permission;
- other members: their role's permissions, plus what the project grants everybody;
- signed-in non-members: the project's ``public_permissions`` and ``anon_permissions``;
- anonymous people: the project's ``anon_permissions``.

A private project grants nothing to non-members, whatever its permission lists say.
Seeing an object needs the ``view_…`` permission of its kind; changing it needs the
``add_…``, ``modify_…`` or ``delete_…`` one. The rules are plain functions (and one query
builder giving the same answers in SQL) so that views, services and tests share them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, Q, QuerySet

from taiga.users.models import User

from .models import Membership, Project

Person = User | AnonymousUser

# What a project may grant to anonymous people (and, at least, to every signed-in user): the
# permissions to view, which are also what the events gateway filters events by.
ANON_PERMISSIONS = VIEW_PERMISSIONS = (
    "view_project",
    "view_milestones",
    "view_epics",
    "view_us",
    "view_tasks",
    "view_issues",
    "view_wiki_pages",
)
_CONTENT = {
    "milestone": "view_milestones",
    "epic": "view_epics",
    "us": "view_us",
    "task": "view_tasks",
    "issue": "view_issues",
    "wiki_page": "view_wiki_pages",
}
# What a role (or a project, to every signed-in user) may grant.
MEMBERS_PERMISSIONS = (
    "view_project",
    *(
        name
        for thing, view in _CONTENT.items()
        for name in (view, f"add_{thing}", f"modify_{thing}", f"delete_{thing}")
    ),
)
# What only the owner, admin members and superusers have.
ADMINS_PERMISSIONS = (
    "modify_project",
    "delete_project",
    "add_member",
    "remove_member",
    "admin_project_values",
    "admin_roles",
)
ALL_PERMISSIONS = (*MEMBERS_PERMISSIONS, *ADMINS_PERMISSIONS)


@dataclass(frozen=True)
class ActionPermissions:
    """The permission each action on one kind of object needs."""

    view: str
    add: str
    modify: str
    delete: str

    @classmethod
    def for_content(cls, thing: str) -> ActionPermissions:
        return cls(_CONTENT[thing], f"add_{thing}", f"modify_{thing}", f"delete_{thing}")


USERSTORIES = ActionPermissions.for_content("us")
TASKS = ActionPermissions.for_content("task")
ISSUES = ActionPermissions.for_content("issue")
EPICS = ActionPermissions.for_content("epic")
MILESTONES = ActionPermissions.for_content("milestone")
WIKI_PAGES = ActionPermissions.for_content("wiki_page")
PROJECT_VALUES = ActionPermissions(
    "view_project", "admin_project_values", "admin_project_values", "admin_project_values"
)
ROLES = ActionPermissions("view_project", "admin_roles", "admin_roles", "admin_roles")
MEMBERSHIPS = ActionPermissions("view_project", "add_member", "add_member", "remove_member")
# What viewing an object of each app needs (the events gateway filters events the same way).
_VIEW_BY_APP = {
    "milestones": MILESTONES.view,
    "epics": EPICS.view,
    "userstories": USERSTORIES.view,
    "tasks": TASKS.view,
    "issues": ISSUES.view,
    "wiki": WIKI_PAGES.view,
}


def permissions_for(user: Person, project: Project) -> list[str]:
    """What ``user`` may do in ``project``, named as the original Taiga's ``my_permissions``.

    The events gateway reads this (with the user's own token) to decide which events to
    deliver, so it is the one definition every check derives from.
    """
    return _permissions(user, project, _membership(user, project))


def view_permissions_in(user: Person, project_ids: Iterable[int]) -> dict[int, list[str]]:
    """The ``view_…`` permissions of ``user`` in each of ``project_ids`` (what the events
    gateway filters by), in two queries; none in a project that does not exist."""
    ids = set(project_ids)
    projects = Project.objects.in_bulk(ids)
    memberships = {}
    if user.is_authenticated:
        memberships = {
            membership.project_id: membership
            for membership in Membership.objects.select_related("role").filter(
                user=user, project_id__in=ids
            )
        }
    answer: dict[int, list[str]] = {}
    for project_id in sorted(ids):
        project = projects.get(project_id)
        granted = (
            [] if project is None else _permissions(user, project, memberships.get(project_id))
        )
        answer[project_id] = [name for name in granted if name in VIEW_PERMISSIONS]
    return answer


def _permissions(user: Person, project: Project, membership: Membership | None) -> list[str]:
    if user.is_superuser or (user.is_authenticated and project.owner_id == user.pk):
        return list(ALL_PERMISSIONS)
    if membership is not None and membership.is_admin:
        return list(ALL_PERMISSIONS)
    granted: set[str] = set()
    if not project.is_private:
        granted.update(project.anon_permissions)
        if user.is_authenticated:
            granted.update(project.public_permissions)
    if membership is not None:
        granted.update(membership.role.permissions)
    return [name for name in ALL_PERMISSIONS if name in granted]


def has_permission(user: Person, project: Project, permission: str) -> bool:
    return permission in permissions_for(user, project)


def may_view(user: Person, obj: Model) -> bool:
    """Whether ``user`` may see ``obj``, an object of a project: the ``view_…`` permission
    of its kind (``view_project`` for anything else)."""
    permission = _VIEW_BY_APP.get(obj._meta.app_label, "view_project")
    return has_permission(user, obj.project, permission)


def projects_where(user: Person, permission: str) -> QuerySet[Project]:
    """The projects in which ``user`` has ``permission``: ``permissions_for`` as a query."""
    projects = Project.objects.all()
    if user.is_superuser:
        return projects
    granted = Q(is_private=False) & _lists(permission, "anon_permissions")
    if not user.is_authenticated:
        return projects.filter(granted)
    granted |= Q(is_private=False) & _lists(permission, "public_permissions")
    memberships = Membership.objects.filter(user=user).filter(
        Q(is_admin=True) | _lists(permission, "role__permissions")
    )
    return projects.filter(granted | Q(owner=user) | Q(pk__in=memberships.values("project")))


def viewable_projects(user: Person) -> QuerySet[Project]:
    """The projects ``user`` may view: anything else of theirs answers 404."""
    return projects_where(user, "view_project")


def is_member(user: Person, project: Project) -> bool:
    return _membership(user, project) is not None


def _lists(permission: str, field: str) -> Q:
    # The JSON text of a list of known permission names contains '"name"' exactly when the
    # name is in the list; unlike JSON containment, this substring test works on SQLite too.
    return Q(**{f"{field}__icontains": f'"{permission}"'})


def _membership(user: Person, project: Project) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.select_related("role").filter(project=project, user=user).first()
