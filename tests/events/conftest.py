from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest

from taiga.projects import services as project_services
from taiga.projects.models import Project
from taiga.users.models import User
from taiga_events.brokers.memory import bus


class Captured(list):
    """(routing_key, envelope) of every event published on the in-process bus."""

    def keys(self) -> list[str]:
        return [routing_key for routing_key, _ in self]

    def data(self) -> list[dict]:
        return [envelope["data"] for _, envelope in self]


@pytest.fixture
def events() -> Iterator[Captured]:
    captured = Captured()
    unsubscribe = bus.subscribe(lambda key, body: captured.append((key, orjson.loads(body))))
    yield captured
    unsubscribe()


@pytest.fixture
def owner(transactional_db) -> User:
    return User.objects.create_user(username="owner", password="x", email="owner@example.com")


@pytest.fixture
def project(owner: User) -> Project:
    return project_services.create_project(owner=owner, name="Events")
