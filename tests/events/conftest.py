from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest

from taiga.events.models import OutboxEvent
from taiga.projects import services as project_services
from taiga.projects.models import Project
from taiga.users.models import User
from taiga_events.brokers.memory import bus


class Captured(list):
    """(routing_key, envelope) of every event published on the in-process bus; the
    envelope's ``event_id`` is checked and kept apart, in ``event_ids``."""

    def __init__(self) -> None:
        super().__init__()
        self.event_ids: list[str] = []

    def capture(self, routing_key: str, body: bytes, position: int) -> None:
        envelope = orjson.loads(body)
        event_id = envelope.pop("event_id", None)
        if event_id is not None:
            assert isinstance(event_id, str) and event_id, envelope
            self.event_ids.append(event_id)
        self.append((routing_key, envelope))

    def keys(self) -> list[str]:
        return [routing_key for routing_key, _ in self]

    def data(self) -> list[dict]:
        return [envelope["data"] for _, envelope in self]


@pytest.fixture
def events(transactional_db) -> Iterator[Captured]:
    """What is published from now on: events the fixtures emitted before are discarded
    (with no consumer in the process, they would wait in the outbox for one)."""
    OutboxEvent.objects.all().delete()
    captured = Captured()
    unsubscribe = bus.subscribe(captured.capture)
    yield captured
    unsubscribe()


@pytest.fixture
def owner(transactional_db) -> User:
    return User.objects.create_user(username="owner", password="x", email="owner@example.com")


@pytest.fixture
def project(owner: User) -> Project:
    return project_services.create_project(owner=owner, name="Events")
