"""Who may receive what: the subscription rules of DESIGN.md 2.2, without I/O.

Deciding a subscription takes two steps, with the backend asked in between:

1. ``classify`` names the scope whose permissions decide the pattern: a project (the
   user's ``my_permissions`` there), ``ALL_PROJECTS`` (whether the user is a superuser) or
   none (the user's own notifications), and refuses what needs no asking.
2. ``allowed_patterns`` turns the pattern and those permissions into the patterns the
   connection is actually indexed by: the part of the pattern the user may receive. A
   wildcard over a project becomes one pattern per app the user may view, so delivery never
   checks permissions per message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .routing import intersect, normalize_pattern

# The app label of a change's routing key (its fourth word) → the permission that lets a
# user see it.
APP_PERMISSIONS = {
    "userstories": "view_us",
    "tasks": "view_tasks",
    "issues": "view_issues",
    "epics": "view_epics",
    "milestones": "view_milestones",
    "wiki": "view_wiki_pages",
    "projects": "view_project",
}
VIEW_PROJECT = "view_project"
# The scope of patterns that can match the changes of several projects.
ALL_PROJECTS = "all-projects"
# The one permission ALL_PROJECTS has: the user is a superuser.
SUPERUSER = "superuser"

Scope = int | str | None

_PROJECT = re.compile(r"^changes\.project\.(\d+)(?:\.|$)")
_CROSS_PROJECT_FIRST_WORDS = frozenset({"changes", "*", "#"})


class Forbidden(Exception):
    """The pattern is not allowed for this connection; the message says why."""

    def __init__(self, message: str, *, needs_auth: bool = False) -> None:
        super().__init__(message)
        self.needs_auth = needs_auth


@dataclass(frozen=True, slots=True)
class Grant:
    """A subscription pattern and the scope whose permissions decide what it delivers."""

    pattern: str
    scope: Scope = None
    # False with AUTHORIZATION=off: the pattern is delivered as it is.
    enforced: bool = True


def claimed_answers(
    projects: Mapping[int, frozenset[str]], superuser: bool
) -> dict[Scope, frozenset[str]]:
    """The permissions of each scope that permission claims state, as the backend's API
    would answer them: a project's permissions, and ALL_PROJECTS's for a superuser."""
    return {**projects, ALL_PROJECTS: frozenset({SUPERUSER}) if superuser else frozenset()}


def canonical(pattern: str, user_id: int | None) -> str:
    """The form a subscription is known by: the seed's project exception applied and a
    ``live_notifications`` pattern pinned to the caller, as the original gateway does."""
    if user_id is not None and pattern.split(".", 1)[0] == "live_notifications":
        return f"live_notifications.{user_id}"
    return normalize_pattern(pattern)


def classify(pattern: str, user_id: int | None, *, enforced: bool = True) -> Grant:
    """What deciding ``pattern`` for ``user_id`` (None: anonymous) depends on.

    Raises Forbidden for what is refused whatever the backend says: anything but a
    project's changes before ``auth``, someone else's web notifications.
    """
    pattern = canonical(pattern, user_id)
    project = _PROJECT.match(pattern)
    if project:
        return Grant(pattern, int(project.group(1)) if enforced else None, enforced)
    if user_id is None:
        raise Forbidden(f"subscribing to {pattern!r} needs 'auth' first", needs_auth=True)
    if not enforced:
        return Grant(pattern, None, False)
    first, _, rest = pattern.partition(".")
    if first in _CROSS_PROJECT_FIRST_WORDS:
        return Grant(pattern, ALL_PROJECTS)
    if first == "web_notifications" and rest != str(user_id):
        raise Forbidden("web notifications can only be followed for your own user")
    return Grant(pattern)


def allowed_patterns(
    grant: Grant, user_id: int | None, permissions: frozenset[str]
) -> tuple[str, ...]:
    """The patterns to index the subscription by, given the permissions of its scope.

    Raises Forbidden when nothing the pattern matches may be received.
    """
    if not grant.enforced:
        return (grant.pattern,)
    if isinstance(grant.scope, int):
        templates = _project_templates(grant.scope, user_id, permissions)
    elif grant.scope == ALL_PROJECTS:
        if SUPERUSER not in permissions:
            raise Forbidden("patterns that span projects are for superusers only")
        templates = [
            ("changes", "project", "*", "*"),
            ("changes", "project", "*", "*", "*"),
            *_own_templates(user_id),
        ]
    else:
        templates = _own_templates(user_id)
    patterns = set().union(*(intersect(grant.pattern, template) for template in templates))
    if not patterns:
        raise Forbidden(f"{grant.pattern!r} matches no event you may receive")
    return tuple(sorted(patterns))


def _project_templates(
    project_id: int, user_id: int | None, permissions: frozenset[str]
) -> list[tuple[str, ...]]:
    if VIEW_PROJECT not in permissions:
        if user_id is None:
            raise Forbidden(
                f"project {project_id} is not public: send 'auth' first", needs_auth=True
            )
        raise Forbidden(f"you may not view project {project_id}")
    # The seed's keys end in the model's name; the original taiga-back's end at the app.
    return [
        template
        for app, permission in APP_PERMISSIONS.items()
        if permission in permissions
        for template in (
            ("changes", "project", str(project_id), app),
            ("changes", "project", str(project_id), app, "*"),
        )
    ]


def _own_templates(user_id: int | None) -> list[tuple[str, ...]]:
    return [
        ("notifications",),
        ("web_notifications", str(user_id)),
        ("live_notifications", str(user_id)),
    ]
