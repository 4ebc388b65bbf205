"""Creating and changing projects, and what they grant people who are not members."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from taiga.base.slugs import unique_slug
from taiga.users.models import User

from ..models import Project
from ..permissions import ANON_PERMISSIONS
from . import members, values

_SLUG_ATTEMPTS = 10


@transaction.atomic
def create_project(
    *,
    owner: User,
    name: str,
    description: str = "",
    is_private: bool = False,
    anon_permissions: list[str] | None = None,
    public_permissions: list[str] | None = None,
) -> Project:
    """A new project with the default roles, its owner as admin member and default values.

    A public project lets everybody view it (and its content) unless told otherwise.
    """
    project = Project(
        owner=owner,
        name=name,
        description=description,
        is_private=is_private,
        anon_permissions=anon_permissions or [],
        public_permissions=public_permissions or [],
    )
    _apply_base_permissions(project)
    _insert_with_unique_slug(project)
    members.create_default_roles(project)
    members.add_member(
        project, owner, role=project.roles.get(slug="product-owner"), is_admin=True, by=owner
    )
    values.create_default_values(project)
    return project


@transaction.atomic
def update_project(project: Project, changes: Mapping[str, Any]) -> Project:
    """Apply ``changes``. Turning a project private takes back what it granted non-members;
    turning it public grants them, at least, viewing it."""
    was_private = project.is_private
    for field, value in changes.items():
        setattr(project, field, value)
    if project.is_private or was_private:
        _apply_base_permissions(project)
    project.save()
    return project


def _apply_base_permissions(project: Project) -> None:
    # A private project grants nothing to non-members; a public one lets them view it.
    if project.is_private:
        project.anon_permissions, project.public_permissions = [], []
        return
    project.anon_permissions = _with_views(project.anon_permissions)
    project.public_permissions = _with_views(project.public_permissions)


def _with_views(permissions: list[str]) -> list[str]:
    return list(dict.fromkeys([*permissions, *ANON_PERMISSIONS]))


def _insert_with_unique_slug(project: Project) -> None:
    # Two projects created at once with the same name may pick the same slug; the unique
    # constraint stops the second, which then picks the next free one.
    for attempt in range(_SLUG_ATTEMPTS):
        project.slug = unique_slug(
            Project.objects.all(), project.name, fallback="project", max_length=250
        )
        try:
            with transaction.atomic():
                project.save()
            return
        except IntegrityError:
            if attempt == _SLUG_ATTEMPTS - 1:
                raise
