"""The WebSocket adapter: accepts connections on ``/events`` and feeds frames to the gateway."""

from __future__ import annotations

import logging
from http import HTTPStatus

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from .gateway import Gateway

logger = logging.getLogger(__name__)

PATHS = frozenset({"/events", "/"})
MAX_FRAME_BYTES = 64 * 1024


def _path(request: Request) -> str:
    return request.path.split("?", 1)[0]


async def start_server(gateway: Gateway, host: str | None, port: int) -> Server:
    """Listen for clients; returns the running server (``close()`` sends "going away")."""

    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        if _path(request) not in PATHS:
            return connection.respond(HTTPStatus.NOT_FOUND, "Not found: connect to /events\n")
        return None

    async def handler(websocket: ServerConnection) -> None:
        client = gateway.connect(websocket)
        try:
            async for frame in websocket:
                reply = await gateway.handle(client, frame)
                if reply is not None:
                    await websocket.send(reply, text=True)
        except ConnectionClosed:
            pass
        finally:
            gateway.disconnect(client)

    return await serve(
        handler,
        host,
        port,
        process_request=process_request,
        max_size=MAX_FRAME_BYTES,
        compression=None,
    )
