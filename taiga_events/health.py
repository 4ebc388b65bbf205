"""``/healthz`` and ``/metrics`` on ``APP_PORT``: a minimal HTTP/1.1 server for probes.

``/healthz`` answers 200 only while the broker link is really up and the gateway is not
shutting down; otherwise 503 with the reason, so that a load balancer stops sending new
clients to a gateway that cannot deliver. ``/metrics`` is the Prometheus text format.

The same server answers a supervisor of several workers (``workers``) on each worker's
Unix socket, and serves the workers' combined view on ``APP_PORT``: where the answers come
from is given to it as two coroutines.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.registry import Collector

REQUEST_TIMEOUT_SECONDS = 5.0
MAX_REQUEST_BYTES = 8192

# None when healthy, else the reason; and the Prometheus text.
Status = Callable[[], Awaitable[str | None]]
Exposition = Callable[[], Awaitable[bytes]]


def exposition_of(*collectors: Collector) -> Exposition:
    """The Prometheus text of ``collectors``, read at each call."""
    registry = CollectorRegistry(auto_describe=False)
    for collector in collectors:
        registry.register(collector)

    async def exposition() -> bytes:
        return generate_latest(registry)

    return exposition


class HealthServer:
    """Serves probes from ``status()`` and metrics from ``exposition()``.

    The reason may quote a broker's error: it is passed through ``redact`` as logs are.
    """

    def __init__(self, status: Status, exposition: Exposition, redact: Callable[[str], str]):
        self.status = status
        self.exposition = exposition
        self.redact = redact
        self._server: asyncio.Server | None = None

    async def start(self, host: str | None, port: int) -> int:
        """Listen; returns the port (useful when ``port`` is 0)."""
        self._server = await asyncio.start_server(self._serve, host, port, limit=MAX_REQUEST_BYTES)
        return self._server.sockets[0].getsockname()[1]

    async def start_unix(self, path: str) -> None:
        """Listen on the Unix socket ``path`` (a worker, for its supervisor)."""
        self._server = await asyncio.start_unix_server(self._serve, path, limit=MAX_REQUEST_BYTES)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
                request_line = await reader.readline()
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass
                method, path = _parse(request_line)
                status, content_type, body = await self._respond(method, path)
            head = (
                f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\n"
                "Connection: close\r\n\r\n"
            )
            writer.write(head.encode() + (b"" if method == "HEAD" else body))
            await writer.drain()
        except (TimeoutError, ValueError, ConnectionError):
            pass  # a client that sends nothing usable gets nothing
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _respond(self, method: str, path: str) -> tuple[str, str, bytes]:
        if method not in ("GET", "HEAD"):
            return "405 Method Not Allowed", "text/plain", b"GET or HEAD only\n"
        if path == "/healthz":
            reason = await self.status()
            if reason is None:
                return "200 OK", "application/json", orjson.dumps({"status": "ok"})
            body = orjson.dumps({"status": "unavailable", "reason": self.redact(reason)})
            return "503 Service Unavailable", "application/json", body
        if path == "/metrics":
            return "200 OK", CONTENT_TYPE_LATEST, await self.exposition()
        return "404 Not Found", "text/plain", b"Not found: /healthz or /metrics\n"


def _parse(request_line: bytes) -> tuple[str, str]:
    """Method and path of an HTTP request line; ValueError if it is not one."""
    method, target, version = request_line.decode("latin-1").split()
    if not version.startswith("HTTP/"):
        raise ValueError("not an HTTP request")
    return method, target.split("?", 1)[0]


async def fetch_unix(path: str, target: str, timeout: float) -> tuple[int, bytes]:
    """GET ``target`` from a ``HealthServer`` on the Unix socket ``path``: status and body.

    Raises OSError (or TimeoutError) when nothing answers there in time.
    """
    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_unix_connection(path)
        try:
            writer.write(f"GET {target} HTTP/1.1\r\nHost: worker\r\n\r\n".encode())
            response = await reader.read()
        finally:
            writer.close()
    head, _, body = response.partition(b"\r\n\r\n")
    try:
        return int(head.split(b" ", 2)[1]), body
    except (IndexError, ValueError):
        raise OSError(f"no HTTP answer on {path}") from None
