"""Creating, changing and deleting wiki pages; each remembers who changed it last."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from taiga.projects.models import Project
from taiga.projects.services.items import create_item, delete_item, update_item
from taiga.users.models import User

from .models import WikiPage


def create_wiki_page(*, project: Project, owner: User | None, slug: str, **fields: Any) -> WikiPage:
    return create_item(
        WikiPage, project=project, owner=owner, last_modifier=owner, slug=slug, **fields
    )


def update_wiki_page(
    page: WikiPage,
    changes: Mapping[str, Any],
    *,
    modifier: User | None,
    expected_version: int | None = None,
) -> WikiPage:
    """Apply ``changes`` by ``modifier`` and count a new version (409 if stale)."""
    changes = {**changes, "last_modifier": modifier}
    return update_item(page, changes, expected_version=expected_version, by=modifier)


def delete_wiki_page(page: WikiPage, *, by: User | None = None) -> None:
    delete_item(page, by=by)
