"""The WebSocket adapter: accepts connections on ``/events`` and feeds frames to the gateway.

It also enforces what only the socket layer can: the Origin allow-list (HTTP 403 at the
handshake) and the size of a frame the gateway will not even read (close 1009). What the
gateway sends goes through its writer (``writer``), which also bounds each connection's
unsent data (``SEND_BUFFER_BYTES``; close 4000).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from .gateway import Gateway, remote_address
from .heap import HeapFreezer

logger = logging.getLogger(__name__)

PATHS = frozenset({"/events", "/"})
# Connections the kernel keeps waiting to be accepted (it caps this at net.core.somaxconn).
# After a restart every client reconnects at once: with asyncio's default of 100, many of a
# thousand connection attempts are dropped, and TCP tries them again only a second or more
# later (docs/BENCHMARKS.md, reconnect storm).
LISTEN_BACKLOG = 4096
# Frames up to this many times the gateway's limit are read (and answered with an error
# frame); larger ones are not read at all: the connection is closed with 1009.
READ_LIMIT_FACTOR = 16


def _path(request: Request) -> str:
    return request.path.split("?", 1)[0]


async def start_server(
    gateway: Gateway,
    host: str | None,
    port: int,
    *,
    allowed_origins: Sequence[str] = (),
    close_timeout: float = 10.0,
    heap: HeapFreezer | None = None,
    reuse_port: bool = False,
) -> Server:
    """Listen for clients; returns the running server. ``heap`` is told of each connection;
    ``reuse_port`` lets other processes listen on the same port (``SO_REUSEPORT``)."""

    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        if _path(request) not in PATHS:
            return connection.respond(HTTPStatus.NOT_FOUND, "Not found: connect to /events\n")
        return None

    async def handler(websocket: ServerConnection) -> None:
        # websockets keeps the handshake for applications that read it later; this one does
        # not (its checks are done), and its headers are some 3 KB of every connection.
        websocket.request.headers.clear()
        websocket.response.headers.clear()
        client = gateway.connect(websocket)
        if heap is not None:
            heap.connection_opened()
        logger.debug("connection opened", extra={"remote": remote_address(websocket)})
        try:
            async for frame in websocket:
                reply = await gateway.handle(client, frame)
                if reply is not None:
                    gateway.send(client, reply)
        except ConnectionClosed:
            pass
        finally:
            gateway.disconnect(client)
            if heap is not None:
                heap.connection_closed()
            logger.debug(
                "connection closed",
                extra={"remote": remote_address(websocket), "code": websocket.close_code},
            )

    return await serve(
        handler,
        host,
        port,
        process_request=process_request,
        origins=[*allowed_origins, None] if allowed_origins else None,
        max_size=gateway.limits.max_frame_bytes * READ_LIMIT_FACTOR,
        write_limit=gateway.limits.send_buffer_bytes,
        close_timeout=close_timeout,
        # No extension: the writer sends the same frame bytes to every connection.
        compression=None,
        reuse_port=reuse_port,
        backlog=LISTEN_BACKLOG,
    )
