"""Who may see and change a project and what belongs to it.

- A public project is viewable by everybody, anonymous people included; a private one by
  its members and superusers.
- Its content (user stories, statuses) is changed by its members and superusers.
- The project itself and its memberships are changed by its owner, its admin members and
  superusers.

The rules are plain functions so that views, services and tests share one definition.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from taiga.users.models import User

from .models import Membership, Project

Person = User | AnonymousUser


def viewable_projects(user: Person) -> QuerySet[Project]:
    """The projects ``user`` may view: the one definition of visibility, as a query."""
    if user.is_superuser:
        return Project.objects.all()
    if not user.is_authenticated:
        return Project.objects.filter(is_private=False)
    member_of = Membership.objects.filter(user=user).values("project")
    return Project.objects.filter(Q(is_private=False) | Q(pk__in=member_of))


def is_member(user: Person, project: Project) -> bool:
    return _membership(user, project) is not None


def can_edit_project_content(user: Person, project: Project) -> bool:
    """May ``user`` create, change and delete the user stories and statuses of ``project``?"""
    return user.is_superuser or is_member(user, project)


def can_admin_project(user: Person, project: Project) -> bool:
    """May ``user`` change or delete ``project`` itself and its memberships?"""
    if user.is_superuser or (user.is_authenticated and project.owner_id == user.pk):
        return True
    membership = _membership(user, project)
    return membership is not None and membership.is_admin


# The original Taiga's permission names, per app, as ``my_permissions`` lists them.
VIEW_PERMISSIONS = (
    "view_project",
    "view_milestones",
    "view_epics",
    "view_us",
    "view_tasks",
    "view_issues",
    "view_wiki_pages",
)
CONTENT_PERMISSIONS = tuple(
    f"{action}_{thing}"
    for thing in ("milestone", "epic", "us", "task", "issue", "wiki_page")
    for action in ("add", "modify", "delete")
)
ADMIN_PERMISSIONS = ("admin_project_values", "admin_roles")


def permissions_for(user: Person, project: Project) -> list[str]:
    """What ``user`` may do in ``project``, named as the original Taiga's ``my_permissions``.

    The gateway reads this (with the user's own token) to decide which events to deliver.
    """
    if can_admin_project(user, project):
        return [*VIEW_PERMISSIONS, *CONTENT_PERMISSIONS, *ADMIN_PERMISSIONS]
    if can_edit_project_content(user, project):
        return [*VIEW_PERMISSIONS, *CONTENT_PERMISSIONS]
    if not project.is_private:
        return list(VIEW_PERMISSIONS)
    return []


def _membership(user: Person, project: Project) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(project=project, user=user).first()


class ProjectAdminOrReadOnly(BasePermission):
    """Reading is for whoever may view the project; changing it is for its admins."""

    message = "Only the project's owner and admins can change or delete it."

    def has_object_permission(self, request: Request, view: APIView, obj: Project) -> bool:
        return request.method in SAFE_METHODS or can_admin_project(request.user, obj)
