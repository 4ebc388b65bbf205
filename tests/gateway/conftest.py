"""A real gateway on a free port, fed by a private in-process bus."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import jwt
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect

from taiga_events import app
from taiga_events.brokers.memory import MemoryBroker, MemoryBus
from taiga_events.config import Config

SECRET = "gateway-tests-secret-long-enough-for-hs256"


def make_token(user_id: int, **claims: object) -> str:
    payload = {"token_type": "access", "exp": int(time.time()) + 300, "jti": "x"}
    payload.update(claims, user_id=user_id)
    return jwt.encode(payload, SECRET, algorithm="HS256")


@dataclass
class FakeProjectAccess:
    """Stands in for the backend: which (project, user) pairs may view; None = anonymous."""

    viewable: set[tuple[int, int | None]] = field(default_factory=set)

    async def can_view(self, project_id: int, user_id: int | None, token: str | None) -> bool:
        return (project_id, user_id) in self.viewable


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
        return orjson.loads(await self.ws.recv())

    async def auth(self, user_id: int, session_id: str | None = None) -> dict:
        return await self.send(
            cmd="auth", data={"token": make_token(user_id), "sessionId": session_id}
        )


@dataclass
class GatewayUnderTest:
    url: str
    bus: MemoryBus
    access: FakeProjectAccess
    running: app.RunningGateway

    def publish(self, routing_key: str, session_id: str | None = None, **data: object) -> None:
        self.bus.publish(routing_key, orjson.dumps({"session_id": session_id, "data": data}))

    async def client(self) -> Client:
        return Client(await connect(self.url))


@pytest.fixture
async def gateway() -> AsyncIterator[GatewayUnderTest]:
    bus = MemoryBus()
    access = FakeProjectAccess()
    config = Config(secret=SECRET, host="127.0.0.1", port=0, broker="memory")
    running = await app.start(config, MemoryBroker(bus))
    running.gateway.project_access = access
    yield GatewayUnderTest(f"ws://127.0.0.1:{running.port}/events", bus, access, running)
    await running.stop()
