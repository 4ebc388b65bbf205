"""Notify policies: which live notifications each person gets about each project."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from taiga.base.models import save_changes
from taiga.projects.models import Project
from taiga.users.models import User

from .choices import NotifyLevel
from .models import NotifyPolicy


def levels_in(project: Project) -> dict[int, int]:
    """The notify level of everyone who has a policy for ``project``, by user id."""
    return dict(NotifyPolicy.objects.filter(project=project).values_list("user_id", "notify_level"))


def policies_of(user: User) -> QuerySet[NotifyPolicy]:
    """``user``'s policies, one for each project they are a member of (made with the
    default level where missing) and any others they have."""
    projects = Project.objects.filter(memberships__user=user).exclude(notify_policies__user=user)
    NotifyPolicy.objects.bulk_create(
        [NotifyPolicy(project=project, user=user) for project in projects],
        ignore_conflicts=True,  # a concurrent request may have made some
    )
    return NotifyPolicy.objects.filter(user=user).select_related("project")


def set_notify_level(project: Project, user: User, level: NotifyLevel) -> NotifyPolicy:
    """Give ``user`` the notify ``level`` for ``project``."""
    policy, _ = NotifyPolicy.objects.update_or_create(
        project=project, user=user, defaults={"notify_level": level}
    )
    return policy


def update_policy(policy: NotifyPolicy, changes: Mapping[str, Any]) -> NotifyPolicy:
    return save_changes(policy, changes)
