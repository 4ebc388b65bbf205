"""A lean WebSocket client for the load generator: one asyncio protocol per connection.

The fan-out benchmark's clients share the machine's cores with the gateway they measure, so
what each received frame costs them matters: a general-purpose client (a parser coroutine
per connection, a queue and a task wake-up per message) costs more per frame than the
gateway spends sending it, and a saturated generator would be measured instead of the
gateway. Here every frame that arrives in one read is parsed in the ``data_received``
callback itself, with no task switch, and stamped with that read's arrival time.

RFC 6455 client side, as much as a benchmark needs: the opening handshake (the accept key
is checked), masked text frames out (websockets' own ``Frame.serialize``), text and
continuation frames in, pings answered with pongs (the gateway's keepalive), and the
closing handshake. No extensions are offered, so the server sends none.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import struct
import time
from collections.abc import Callable

from websockets.frames import Close, CloseCode, Frame, Opcode

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_HANDSHAKE_BYTES = 16384

# on_message(payload, arrived_at): a complete text message, and time.time() of its read.
OnMessage = Callable[[bytes, float], None]


class HandshakeFailed(OSError):
    """The server did not switch to the WebSocket protocol."""


class LeanClient(asyncio.Protocol):
    """One client connection; ``on_message`` is called for every text message."""

    def __init__(self, host: str, path: str, on_message: OnMessage) -> None:
        self.on_message = on_message
        self.key = base64.b64encode(os.urandom(16))
        self.request = (
            (
                f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            ).encode()
            + b"Sec-WebSocket-Key: "
            + self.key
            + b"\r\n\r\n"
        )
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.fragments: list[bytes] = []
        self.upgraded = False
        self.close_sent = False

    # asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        if not self.upgraded and not self._handshake():
            return
        arrived_at = time.time()
        while True:
            size = len(buffer)
            if size < 2:
                return
            length = buffer[1] & 0x7F
            start = 2
            if length == 126:
                if size < 4:
                    return
                (length,) = struct.unpack_from("!H", buffer, 2)
                start = 4
            elif length == 127:
                if size < 10:
                    return
                (length,) = struct.unpack_from("!Q", buffer, 2)
                start = 10
            end = start + length
            if size < end:
                return
            head = buffer[0]
            payload = bytes(buffer[start:end])
            del buffer[:end]
            self._frame(head & 0x0F, bool(head & 0x80), payload, arrived_at)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc or HandshakeFailed("connection closed"))
        if not self.closed.done():
            self.closed.set_result(None)

    # Sending ------------------------------------------------------------------------------

    def send(self, payload: bytes) -> None:
        """Send one text message."""
        self._write(Frame(Opcode.TEXT, payload))

    async def close(self) -> None:
        """Start the closing handshake and wait for the connection to end."""
        if not self.close_sent and not self.closed.done():
            self._send_close(Close(CloseCode.NORMAL_CLOSURE, "").serialize())
        await self.closed

    # Helpers ------------------------------------------------------------------------------

    def _write(self, frame: Frame) -> None:
        assert self.transport is not None
        self.transport.write(frame.serialize(mask=True))

    def _send_close(self, payload: bytes) -> None:
        self.close_sent = True
        self._write(Frame(Opcode.CLOSE, payload))

    def _handshake(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HANDSHAKE_BYTES:
                self._fail(HandshakeFailed("no end to the handshake response"))
            return False
        head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        del self.buffer[: end + 4]
        accept = base64.b64encode(hashlib.sha1(self.key + GUID).digest()).decode()
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in head[1:])
        }
        if not head[0].startswith("HTTP/1.1 101") or headers.get("sec-websocket-accept") != accept:
            self._fail(HandshakeFailed(f"handshake refused: {head[0]}"))
            return False
        self.upgraded = True
        self.opened.set_result(None)
        return True

    def _frame(self, opcode: int, fin: bool, payload: bytes, arrived_at: float) -> None:
        if opcode == Opcode.TEXT or opcode == Opcode.CONT:
            if fin and not self.fragments:
                self.on_message(payload, arrived_at)
                return
            self.fragments.append(payload)
            if fin:
                message, self.fragments = b"".join(self.fragments), []
                self.on_message(message, arrived_at)
        elif opcode == Opcode.PING:
            self._write(Frame(Opcode.PONG, payload))
        elif opcode == Opcode.CLOSE:
            # Echo the code (not the reason), as RFC 6455 asks, then end the connection.
            if not self.close_sent:
                self._send_close(payload[:2])
            self.transport.close()

    def _fail(self, exc: Exception) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc)
        assert self.transport is not None
        self.transport.close()


async def connect(url: str, on_message: OnMessage) -> LeanClient:
    """Open ``ws://host:port/path`` and complete the opening handshake."""
    if not url.startswith("ws://"):
        raise ValueError("only ws:// URLs are supported")
    authority, _, path = url[5:].partition("/")
    host, _, port = authority.rpartition(":")
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(
        lambda: LeanClient(authority, "/" + path, on_message), host, int(port)
    )
    await client.opened
    return client
