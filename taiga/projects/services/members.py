"""Roles and memberships: who is in a project, with which permissions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import RestrictedError

from taiga.base.exceptions import Conflict, WrongArguments
from taiga.base.models import save_changes
from taiga.base.slugs import unique_slug
from taiga.users.models import User

from ..models import Membership, Project, Role
from ..permissions import ANON_PERMISSIONS, MEMBERS_PERMISSIONS
from ..signals import member_added
from .sequences import lock_project, next_order

# (name, permissions) of the roles every new project starts with; new members get the first.
DEFAULT_ROLES = (
    ("Developer", MEMBERS_PERMISSIONS),
    ("Product Owner", MEMBERS_PERMISSIONS),
    ("Stakeholder", (*ANON_PERMISSIONS, "add_issue", "modify_issue")),
)


def create_default_roles(project: Project) -> None:
    for name, permissions in DEFAULT_ROLES:
        create_role(project=project, name=name, permissions=permissions)


@transaction.atomic
def create_role(
    *, project: Project, name: str, permissions: Iterable[str] = (), order: int | None = None
) -> Role:
    """A new role with a slug unique in the project; placed last unless ``order``."""
    lock_project(project)
    roles = Role.objects.filter(project=project)
    if order is None:
        order = next_order(roles, step=10)
    return Role.objects.create(
        project=project,
        name=name,
        slug=unique_slug(roles, name, fallback="role", max_length=250),
        order=order,
        permissions=list(dict.fromkeys(permissions)),
    )


def delete_role(role: Role) -> None:
    """Delete a role nobody has."""
    try:
        role.delete()
    except RestrictedError:
        raise Conflict(
            f"Role {role.name!r} still has members; give them another role first."
        ) from None


@transaction.atomic
def add_member(
    project: Project,
    user: User,
    *,
    role: Role | None = None,
    is_admin: bool = False,
    by: User | None = None,
) -> Membership:
    """``by`` makes ``user`` a member of ``project``, with the project's first role unless
    ``role``; the new member is notified."""
    role = role or project.roles.order_by("order", "id").first()
    _check_role(project, role)
    membership = Membership.objects.create(project=project, user=user, role=role, is_admin=is_admin)
    member_added.send(sender=Membership, membership=membership, by=by)
    return membership


def update_membership(membership: Membership, changes: Mapping[str, Any]) -> Membership:
    """Change a member's role or admin flag."""
    _check_role(membership.project, changes.get("role", membership.role))
    return save_changes(membership, changes)


def remove_member(membership: Membership) -> None:
    """End a membership; the owner's cannot end, or the project would have no admin left."""
    if membership.user_id == membership.project.owner_id:
        raise WrongArguments("The project owner's membership cannot be removed.")
    membership.delete()


def _check_role(project: Project, role: Role | None) -> None:
    if role is None or role.project_id != project.pk:
        raise WrongArguments({"role": "The role belongs to another project."})
