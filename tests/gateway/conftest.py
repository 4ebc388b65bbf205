"""A real gateway on a free port, fed by a private in-process bus."""

from __future__ import annotations

import asyncio
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import jwt
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect

from taiga_events import app
from taiga_events.authorization import ALL_PROJECTS, APP_PERMISSIONS, SUPERUSER, Scope
from taiga_events.brokers.base import Broker
from taiga_events.brokers.memory import MemoryBroker, MemoryBus
from taiga_events.config import Config
from taiga_events.permissions import BackendUnavailable, PermissionCache

SECRET = "gateway-tests-secret-long-enough-for-hs256"
VIEW_ALL = frozenset(APP_PERMISSIONS.values())


def make_token(user_id: int, **claims: object) -> str:
    payload = {"token_type": "access", "exp": int(time.time()) + 300, "jti": "x"}
    payload.update(claims, user_id=user_id)
    return jwt.encode(payload, SECRET, algorithm="HS256")


def make_claims(
    user_id: int,
    grants: dict[int, frozenset[str]],
    *,
    superuser: bool = False,
    secret: str = SECRET,
    **claims: object,
) -> str:
    """Permission claims as the backend issues them (``GET /events/permissions``)."""
    payload = {
        "token_type": "events_permissions",
        "exp": int(time.time()) + 300,
        "iat": int(time.time()),
        "user_id": user_id,
        "projects": {str(project): sorted(names) for project, names in grants.items()},
        "superuser": superuser,
    }
    payload.update(claims)
    return jwt.encode(payload, secret, algorithm="HS256")


@dataclass
class FakeBackend:
    """Stands in for the backend's answers: permissions per (user, scope); None = anonymous.

    ``grant(5, 1)`` lets user 1 view everything in project 5; ``superusers`` are users for
    whom ``/users/me`` says ``is_superuser``; ``down`` makes every question fail.
    """

    permissions: dict[tuple[int | None, Scope], frozenset[str]] = field(default_factory=dict)
    superusers: set[int] = field(default_factory=set)
    down: bool = False
    asked: list[tuple[int | None, Scope, str | None]] = field(default_factory=list)

    def grant(self, project_id: int, user_id: int | None, permissions=VIEW_ALL) -> None:
        self.permissions[user_id, project_id] = frozenset(permissions)

    def revoke(self, project_id: int, user_id: int | None) -> None:
        self.permissions.pop((user_id, project_id), None)

    async def fetch(self, user_id: int | None, scope: Scope, token: str | None) -> frozenset[str]:
        self.asked.append((user_id, scope, token))
        if self.down:
            raise BackendUnavailable("the backend is down (test)")
        if scope == ALL_PROJECTS:
            return frozenset({SUPERUSER}) if user_id in self.superusers else frozenset()
        return self.permissions.get((user_id, scope), frozenset())


class Client:
    """A WebSocket client that speaks the protocol with ids and awaits replies."""

    def __init__(self, websocket: ClientConnection) -> None:
        self.ws = websocket
        self._next_id = 0

    async def send(self, **command: object) -> dict:
        self._next_id += 1
        await self.ws.send(orjson.dumps({**command, "id": self._next_id}).decode())
        return await self.recv()

    async def recv(self) -> dict:
        return orjson.loads(await asyncio.wait_for(self.ws.recv(), timeout=10))

    async def auth(self, user_id: int, session_id: str | None = None) -> dict:
        return await self.send(
            cmd="auth", data={"token": make_token(user_id), "sessionId": session_id}
        )

    async def subscribe(self, routing_key: str, **options: object) -> dict:
        return await self.send(cmd="subscribe", routing_key=routing_key, options=options)


@dataclass
class GatewayUnderTest:
    url: str
    bus: MemoryBus
    backend: FakeBackend
    running: app.RunningGateway

    def publish(self, routing_key: str, session_id: str | None = None, **data: object) -> None:
        self.bus.publish(routing_key, orjson.dumps({"session_id": session_id, "data": data}))

    async def client(self) -> Client:
        return Client(await connect(self.url))

    async def get(self, path: str) -> tuple[int, str]:
        """GET ``path`` on the app port (health, metrics): status and body."""
        url = f"http://127.0.0.1:{self.running.app_port}{path}"
        return await asyncio.to_thread(http_get, url)

    async def health_becomes(self, status: int) -> dict:
        """Poll /healthz until it answers ``status``; returns its body."""
        async with asyncio.timeout(60):
            while (answer := await self.get("/healthz"))[0] != status:
                await asyncio.sleep(0.05)
        return orjson.loads(answer[1])


def http_get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read().decode()


async def until(condition: Callable[[], object], timeout: float = 10) -> None:
    """Wait for ``condition()`` to hold, looking every few milliseconds."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


async def start_gateway(broker: Broker | None = None, **settings: object) -> GatewayUnderTest:
    """A gateway on free ports, consuming ``broker`` (default: a private memory bus)."""
    bus, backend = MemoryBus(), FakeBackend()
    config = Config(
        secret=SECRET, host="127.0.0.1", port=0, app_port=0, broker="memory", **settings
    )
    running = await app.start(config, broker or MemoryBroker(bus))
    running.gateway.permissions = PermissionCache(backend, config.permission_cache_seconds)
    return GatewayUnderTest(f"ws://127.0.0.1:{running.port}/events", bus, backend, running)


@pytest.fixture
async def gateway_factory() -> AsyncIterator[Callable[..., object]]:
    """Start gateways (``start_gateway``'s arguments); all are stopped afterwards."""
    started: list[GatewayUnderTest] = []

    async def make(broker: Broker | None = None, **settings: object) -> GatewayUnderTest:
        started.append(await start_gateway(broker, **settings))
        return started[-1]

    yield make
    for gateway in started:
        await gateway.running.stop()


@pytest.fixture
async def gateway(gateway_factory) -> GatewayUnderTest:
    return await gateway_factory()
