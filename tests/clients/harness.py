"""Real gateways for the client tests: restartable on their port, behind a proxy that can
go silent (a half-open connection: no data, no close), and fed by a private bus."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

import jwt
import orjson
import pytest

from taiga_events import app
from taiga_events.brokers.memory import MemoryBroker, MemoryBus
from taiga_events.config import Config

SECRET = "client-tests-secret-long-enough-for-hs256"
USER_ID = 7

# For tests of the whole system (the ``stack`` fixture) that are not about brokers.
MEMORY_ONLY = pytest.mark.parametrize("broker_factory", ["memory"], indirect=True)


def make_token(user_id: int = USER_ID) -> str:
    """An access token as the backend issues them, signed with the gateways' secret."""
    claims = {"token_type": "access", "exp": int(time.time()) + 600, "jti": "t", "user_id": user_id}
    return jwt.encode(claims, SECRET, algorithm="HS256")


@dataclass
class _Pipe:
    tasks: list[asyncio.Task]
    writers: list[asyncio.StreamWriter]


class SilenceableProxy:
    """Forwards TCP to the gateway; ``silence()`` stops forwarding on the open connections.

    Those connections stay open but carry nothing, as after a network failure nobody
    noticed: only a pong timeout can tell. New connections are forwarded normally.
    ``cut()`` closes the open connections instead and refuses new ones until ``mend()``: a
    network outage between the clients and a gateway that keeps running.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._pipes: list[_Pipe] = []
        self._silenced: list[_Pipe] = []
        self._server: asyncio.Server | None = None
        self._cut = False

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"ws://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/events"

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._cut:
            writer.close()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", self.target_port
            )
        except OSError:
            writer.close()
            return
        pipe = _Pipe(
            [
                asyncio.create_task(_forward(reader, upstream_writer)),
                asyncio.create_task(_forward(upstream_reader, writer)),
            ],
            [writer, upstream_writer],
        )
        self._pipes.append(pipe)

    def silence(self) -> None:
        for pipe in self._pipes:
            for task in pipe.tasks:
                task.cancel()
        self._silenced.extend(self._pipes)
        self._pipes.clear()

    def cut(self) -> None:
        self._cut = True
        for pipe in self._pipes:
            for writer in pipe.writers:
                writer.close()

    def mend(self) -> None:
        self._cut = False

    async def close(self) -> None:
        self.silence()
        for pipe in self._silenced:
            for writer in pipe.writers:
                writer.close()
        self._silenced.clear()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


async def _forward(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


@dataclass
class TestGateway:
    """A gateway with authorization off, so tests choose any pattern without a backend."""

    __test__ = False  # not a test class, despite its name

    bus: MemoryBus = field(default_factory=MemoryBus)
    port: int = 0
    running: app.RunningGateway | None = None
    proxy: SilenceableProxy | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/events"

    async def start(self) -> None:
        """Start, on the same port as before if it ran already."""
        config = Config(
            secret=SECRET, host="127.0.0.1", port=self.port, broker="memory", authorization=False
        )
        self.running = await app.start(config, MemoryBroker(self.bus))
        self.port = self.running.port
        if self.proxy is None:
            self.proxy = SilenceableProxy(self.port)
            await self.proxy.start()

    async def stop(self) -> None:
        """Stop: clients get "going away" and the port refuses connections until start()."""
        if self.running is not None:
            await self.running.stop()
            self.running = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    def new_history(self) -> None:
        """From the next start on, serve a history of another epoch (a broker made again):
        the positions clients kept mean nothing there."""
        self.bus = MemoryBus()

    def publish(self, routing_key: str, envelope: dict) -> int:
        """Put one broker message on the bus; returns how many gateways consumed it."""
        return self.bus.publish(routing_key, orjson.dumps(envelope))

    async def close(self) -> None:
        # The proxy first: the gateway would wait for silenced peers to answer its close.
        if self.proxy is not None:
            await self.proxy.close()
        await self.stop()


class ControlServer:
    """HTTP endpoint through which the Node tests create, restart and feed gateways.

    ``POST /gateways`` → ``{"id", "url", "proxyUrl"}``; then ``POST /gateways/{id}/{action}``
    with ``publish`` (body ``{"routing_key", "envelope"}``; answers the bus's newest
    ``position``), ``stop``, ``start``, ``restart``, ``new-history`` (for the next start),
    ``silence`` (the proxy) or ``close``.
    """

    def __init__(self) -> None:
        self.gateways: dict[int, TestGateway] = {}
        self._server: asyncio.Server | None = None

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for gateway in self.gateways.values():
            await gateway.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            method, path, _ = (await reader.readline()).decode().split(" ", 2)
            length = 0
            while (line := (await reader.readline()).decode().strip()) != "":
                name, _, value = line.partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            body = orjson.loads(await reader.readexactly(length)) if length else {}
            status, reply = 200, await self._route(method, path.strip("/").split("/"), body)
        except KeyError as exc:
            status, reply = 404, {"error": f"no such thing: {exc}"}
        except Exception as exc:
            status, reply = 500, {"error": repr(exc)}
        payload = orjson.dumps(reply)
        writer.write(
            f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
            + payload
        )
        await writer.drain()
        writer.close()

    async def _route(self, method: str, path: list[str], body: dict) -> dict:
        if method != "POST":
            raise KeyError(method)
        if path == ["gateways"]:
            gateway = TestGateway()
            await gateway.start()
            gateway_id = len(self.gateways) + 1
            self.gateways[gateway_id] = gateway
            assert gateway.proxy is not None
            return {"id": gateway_id, "url": gateway.url, "proxyUrl": gateway.proxy.url}
        _, gateway_id, action = path
        gateway = self.gateways[int(gateway_id)]
        if action == "publish":
            delivered = gateway.publish(body["routing_key"], body["envelope"])
            return {"delivered": delivered, "position": gateway.bus.head}
        if action == "silence":
            assert gateway.proxy is not None
            gateway.proxy.silence()
        elif action == "new-history":
            gateway.new_history()
        elif action in ("stop", "start", "restart", "close"):
            await getattr(gateway, action)()
        else:
            raise KeyError(action)
        return {}
