"""The whole path on every broker: HTTP → backend → broker → gateway → WebSocket client."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import orjson
import pytest
from django.conf import settings as django_settings
from websockets.asyncio.client import ClientConnection, connect

from taiga.projects import services as project_services
from taiga.projects.models import Project
from taiga.users.models import User
from taiga_events import app
from taiga_events.brokers.base import Broker
from taiga_events.brokers.memory import MemoryBroker
from taiga_events.brokers.postgresql import PostgresBroker
from taiga_events.brokers.rabbitmq import RabbitMQBroker
from taiga_events.config import Config
from tests.outbox import discard_pending_events, in_thread

PASSWORD = "123123"
BACKENDS = "taiga.events.backends.{}.EventsPushBackend"


@pytest.fixture(params=["memory", "postgresql", "rabbitmq"])
def broker_factory(request, settings) -> Callable[[], Broker]:
    """Point the backend at one broker; returns how to make the gateway's consumer of it."""
    kind = request.param
    settings.EVENTS_PUSH_BACKEND = BACKENDS.format(kind)
    if kind == "memory":
        return MemoryBroker
    url = request.getfixturevalue(f"{kind}_url")
    settings.EVENTS_PUSH_BACKEND_URL = url
    return (lambda: PostgresBroker(url)) if kind == "postgresql" else (lambda: RabbitMQBroker(url))


@dataclass
class Response:
    status: int
    body: object


def http_request(method: str, url: str, body: object, headers: dict[str, str]) -> Response:
    data = None if body is None else orjson.dumps(body)
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    for name, value in headers.items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return Response(response.status, orjson.loads(raw) if raw else None)
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        exc.close()
        return Response(exc.code, orjson.loads(raw) if raw else None)


@dataclass
class Stack:
    api: str
    events_url: str
    project: Project
    status_id: int

    async def http(
        self,
        method: str,
        path: str,
        body: object = None,
        *,
        token: str | None = None,
        session_id: str | None = None,
    ) -> Response:
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if session_id:
            headers["x-session-id"] = session_id
        return await asyncio.to_thread(http_request, method, self.api + path, body, headers)

    async def login(self, username: str) -> str:
        response = await self.http(
            "POST", "/auth", {"type": "normal", "username": username, "password": PASSWORD}
        )
        assert response.status == 200, response.body
        return response.body["auth_token"]

    async def connect(self) -> ClientConnection:
        return await connect(self.events_url)


async def send(ws: ClientConnection, **command: object) -> dict:
    """Send a command with an id and return the gateway's reply to it."""
    command.setdefault("id", 1)
    await ws.send(orjson.dumps(command).decode())
    return orjson.loads(await ws.recv())


async def ping(ws: ClientConnection, command_id: object = 1) -> None:
    """Ping and check that the next frame is its pong: commands and what the gateway sends
    are in order, so whatever was to come before it has come."""
    reply = await send(ws, cmd="ping", id=command_id)
    assert (reply.get("cmd"), reply.get("id")) == ("pong", command_id), reply


async def receive(ws: ClientConnection) -> dict:
    """The next frame, without the fields whose values a test cannot know: the random
    ``event_id`` of this backend's events, and the ``position`` and ``epoch`` of its
    broker's history (checked for their types)."""
    frame = orjson.loads(await asyncio.wait_for(ws.recv(), timeout=10))
    frame.pop("event_id", None)
    if "position" in frame:
        position, epoch = frame.pop("position"), frame.pop("epoch")
        assert isinstance(position, int) and position >= 0, frame
        assert isinstance(epoch, str) and epoch, frame
    return frame


@pytest.fixture
def people(transactional_db) -> dict[str, User]:
    return {
        name: User.objects.create_user(username=name, password=PASSWORD, email=f"{name}@x.test")
        for name in ("owner", "alice", "bob")
    }


@pytest.fixture
def project(people: dict[str, User]) -> Project:
    """A public project of ``owner`` with alice and bob as members."""
    project = project_services.create_project(owner=people["owner"], name="Live")
    for name in ("alice", "bob"):
        project_services.add_member(project, people[name])
    return project


@pytest.fixture
def status_id(project: Project) -> int:
    return project.us_statuses.order_by("order").first().pk


@pytest.fixture
def gateway_settings() -> dict[str, object]:
    """Gateway settings beyond the defaults (Config fields); a test module may override it."""
    return {}


@pytest.fixture
async def stack(
    live_server, project: Project, status_id: int, broker_factory, gateway_settings
) -> AsyncIterator[Stack]:
    await in_thread(discard_pending_events)
    api = f"{live_server.url}/api/v1"
    config = Config(
        secret=django_settings.SECRET_KEY,
        host="127.0.0.1",
        port=0,
        api_url=api,
        **gateway_settings,
    )
    running = await app.start(config, broker_factory())
    yield Stack(api, f"ws://127.0.0.1:{running.port}/events", project, status_id)
    await running.stop()
