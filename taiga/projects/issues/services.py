"""Creating, changing and deleting issues."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from taiga.projects.models import Project
from taiga.projects.services.items import create_item, delete_item, first_of, update_item
from taiga.users.models import User

from .models import Issue

# field -> the project's values it takes its default from
_DEFAULTS = {
    "status": "issue_statuses",
    "type": "issue_types",
    "priority": "priorities",
    "severity": "severities",
}


@transaction.atomic
def create_issue(*, project: Project, owner: User | None, subject: str, **fields: Any) -> Issue:
    """A new issue with the project's next ``ref``; status, type, priority and severity
    are the project's first of each unless given."""
    for field, values in _DEFAULTS.items():
        if fields.get(field) is None:
            fields[field] = first_of(getattr(project, values), field)
    return create_item(Issue, project=project, owner=owner, subject=subject, **fields)


def update_issue(
    issue: Issue,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None = None,
    by: User | None = None,
) -> Issue:
    """Apply ``changes`` by ``by`` and count a new version (409 if ``expected_version`` is
    stale)."""
    return update_item(issue, changes, expected_version=expected_version, by=by)


def delete_issue(issue: Issue, *, by: User | None = None) -> None:
    delete_item(issue, by=by)
