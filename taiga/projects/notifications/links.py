"""Deep links to items in the front end (the original Taiga front's paths), for live
notifications. ``TAIGA_FRONT_URL`` is where the front end is served."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from taiga.events.registry import type_name_for

_PATHS = {
    "userstories.userstory": "us/{ref}",
    "tasks.task": "task/{ref}",
    "issues.issue": "issue/{ref}",
    "wiki.wiki_page": "wiki/{slug}",
    "milestones.milestone": "taskboard/{slug}",
}


def front_url(item: models.Model, *, deleted: bool = False) -> str:
    """``{TAIGA_FRONT_URL}/project/{project slug}/us/{ref}`` and the like, for a user story,
    task, issue, wiki page or milestone; the project's page for one that was deleted."""
    project = f"{settings.TAIGA_FRONT_URL.rstrip('/')}/project/{item.project.slug}"
    if deleted:
        return project
    path = _PATHS[type_name_for(type(item))]
    return f"{project}/" + path.format(
        ref=getattr(item, "ref", None), slug=getattr(item, "slug", None)
    )
