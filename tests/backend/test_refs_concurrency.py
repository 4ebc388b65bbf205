"""Concurrent user story creation gets distinct refs (needs PostgreSQL's row locks)."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection, connections

from taiga.projects import services as project_services
from taiga.projects.userstories.services import create_userstory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serializes writers itself; run with DATABASE_URL=postgres://… to check",
    ),
]

WRITERS = 8


def test_concurrent_creations_get_distinct_consecutive_refs(owner):
    project = project_services.create_project(owner=owner, name="Busy")
    barrier = Barrier(WRITERS)

    def create(index: int) -> int:
        try:
            barrier.wait()
            return create_userstory(project=project, owner=owner, subject=f"#{index}").ref
        finally:
            connections.close_all()

    with ThreadPoolExecutor(WRITERS) as pool:
        refs = list(pool.map(create, range(WRITERS)))

    assert sorted(refs) == list(range(1, WRITERS + 1))
