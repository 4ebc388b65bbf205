"""Refs, orders and slugs stay unique when things are created at the same time (this needs
PostgreSQL's row locks; SQLite serializes writers itself)."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection, connections

from taiga.projects import services as project_services
from taiga.projects.epics.services import create_epic
from taiga.projects.issues.services import create_issue
from taiga.projects.tasks.services import create_task
from taiga.projects.userstories.services import create_userstory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serializes writers itself; run with DATABASE_URL=postgres://… to check",
    ),
]

WRITERS = 8


def all_at_once(work: Callable[[int], object]) -> list:
    barrier = Barrier(WRITERS)

    def run(index: int) -> object:
        try:
            barrier.wait()
            return work(index)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(WRITERS) as pool:
        return list(pool.map(run, range(WRITERS)))


def test_concurrent_creations_get_distinct_consecutive_refs(owner):
    project = project_services.create_project(owner=owner, name="Busy")
    creators = (create_userstory, create_task, create_issue, create_epic)

    refs = all_at_once(lambda i: creators[i % 4](project=project, owner=owner, subject=f"#{i}").ref)

    assert sorted(refs) == list(range(1, WRITERS + 1))


def test_concurrent_statuses_get_distinct_orders_and_slugs(owner):
    project = project_services.create_project(owner=owner, name="Busy")

    statuses = all_at_once(
        lambda i: project_services.create_userstory_status(project=project, name="Blocked")
    )

    assert sorted(s.order for s in statuses) == list(range(7, 7 + WRITERS))
    assert len({s.slug for s in statuses}) == WRITERS


def test_concurrent_projects_with_one_name_get_distinct_slugs(owner):
    projects = all_at_once(lambda i: project_services.create_project(owner=owner, name="Same"))

    assert sorted(p.slug for p in projects) == sorted(
        ["same", *(f"same-{n}" for n in range(2, WRITERS + 1))]
    )
