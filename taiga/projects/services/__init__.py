"""Creating projects and changing what belongs to them.

One module per job: ``projects`` (projects themselves), ``members`` (roles and memberships),
``values`` (statuses, types, swimlanes), ``items`` (what user stories, tasks, issues, epics
and wiki pages have in common), ``sequences`` (refs and orders under concurrency), ``bulk``
and ``bulk_update_order`` (changes to many objects with one event per kind).
"""

from .members import add_member, remove_member
from .projects import create_project, update_project
from .sequences import allocate_ref
from .values import (
    DEFAULT_USERSTORY_STATUSES,
    create_userstory_status,
    delete_userstory_status,
)

__all__ = [
    "DEFAULT_USERSTORY_STATUSES",
    "add_member",
    "allocate_ref",
    "create_project",
    "create_userstory_status",
    "delete_userstory_status",
    "remove_member",
    "update_project",
]
