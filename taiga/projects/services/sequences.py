"""Numbers that stay unique within a project when things are created at the same time."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Max, QuerySet

from ..models import Project


def lock_project(project: Project) -> None:
    """Lock the project's row until the transaction ends, so that creations computing the
    next order or a unique slug within the project happen one at a time."""
    Project.objects.select_for_update().values_list("pk").get(pk=project.pk)


def next_order(queryset: QuerySet, *, step: int = 1) -> int:
    """An ``order`` after every one in ``queryset``; call it under ``lock_project``."""
    return (queryset.aggregate(last=Max("order"))["last"] or 0) + step


def allocate_ref(project: Project) -> int:
    """Reserve the next reference number of ``project`` (1, 2, 3…; never reused).

    User stories, tasks, issues and epics share the sequence, as in the original Taiga. The
    increment is one UPDATE, which locks the project row until the caller's transaction
    ends, so concurrent creations get distinct, ordered numbers.
    """
    return allocate_refs(project, 1)[0]


def allocate_refs(project: Project, count: int) -> range:
    """Reserve the next ``count`` reference numbers of ``project`` at once."""
    with transaction.atomic():
        Project.objects.filter(pk=project.pk).update(last_ref=F("last_ref") + count)
        last = Project.objects.values_list("last_ref", flat=True).get(pk=project.pk)
    return range(last - count + 1, last + 1)
