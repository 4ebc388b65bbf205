"""The WebSocket adapter: accepts connections on ``/events`` and feeds frames to the gateway.

It also enforces what only the socket layer can: the Origin allow-list (HTTP 403 at the
handshake), the size of a frame the gateway will not even read (close 1009), and the
bounded send buffer — a connection whose unsent data passes ``send_buffer_bytes`` has
stopped keeping up, and is closed with 4000 so that it cannot hold memory or others up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from http import HTTPStatus

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from .gateway import Gateway
from .protocol import CloseCode

logger = logging.getLogger(__name__)

PATHS = frozenset({"/events", "/"})
# Frames up to this many times the gateway's limit are read (and answered with an error
# frame); larger ones are not read at all: the connection is closed with 1009.
READ_LIMIT_FACTOR = 16


class _Connection(ServerConnection):
    """A server connection that reports when its send buffer overflows."""

    on_send_buffer_full: Callable[[], None] | None = None

    def pause_writing(self) -> None:
        # The transport calls this once its buffer passes the high-water mark.
        super().pause_writing()
        if self.on_send_buffer_full is not None:
            self.on_send_buffer_full()


def _path(request: Request) -> str:
    return request.path.split("?", 1)[0]


async def start_server(
    gateway: Gateway,
    host: str | None,
    port: int,
    *,
    allowed_origins: Sequence[str] = (),
    send_buffer_bytes: int = 1024 * 1024,
    close_timeout: float = 10.0,
) -> Server:
    """Listen for clients; returns the running server."""
    closing: set[asyncio.Task] = set()

    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        if _path(request) not in PATHS:
            return connection.respond(HTTPStatus.NOT_FOUND, "Not found: connect to /events\n")
        return None

    async def handler(websocket: _Connection) -> None:
        client = gateway.connect(websocket)

        def too_slow() -> None:
            if client.closed:
                return
            gateway.disconnect(client)
            gateway.metrics.slow_client_closes += 1
            logger.warning(
                "closing a connection that does not keep up (more than %d bytes unsent)",
                send_buffer_bytes,
                extra={"remote": _remote(websocket), "user_id": client.user_id},
            )
            task = asyncio.get_running_loop().create_task(
                websocket.close(CloseCode.SLOW_CLIENT, "send buffer full: client too slow")
            )
            closing.add(task)
            task.add_done_callback(closing.discard)

        websocket.on_send_buffer_full = too_slow
        logger.debug("connection opened", extra={"remote": _remote(websocket)})
        try:
            async for frame in websocket:
                reply = await gateway.handle(client, frame)
                if reply is not None:
                    await websocket.send(reply, text=True)
        except ConnectionClosed:
            pass
        finally:
            gateway.disconnect(client)
            logger.debug(
                "connection closed",
                extra={"remote": _remote(websocket), "code": websocket.close_code},
            )

    return await serve(
        handler,
        host,
        port,
        create_connection=_Connection,
        process_request=process_request,
        origins=[*allowed_origins, None] if allowed_origins else None,
        max_size=gateway.limits.max_frame_bytes * READ_LIMIT_FACTOR,
        write_limit=send_buffer_bytes,
        close_timeout=close_timeout,
        compression=None,
    )


def _remote(websocket: ServerConnection) -> str:
    address = websocket.remote_address
    return f"{address[0]}:{address[1]}" if address else "?"
