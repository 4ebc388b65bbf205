"""The gateway's write path: each frame built once, one write per socket per loop iteration.

``websockets.broadcast()`` frames a message again for every connection and writes each
frame with its own call. The gateway sends the same bytes to many connections, often
several messages in one loop iteration, so this module builds a frame once (the bytes
websockets itself would send: a server's frames are not masked and the gateway negotiates
no extension) and queues it for each recipient; at the end of the loop iteration every
connection's queue is joined and written with one ``transport.write`` call. That is also
where each connection's unsent data is measured against the send-buffer limit.

It is consistent with websockets' own state, as ``broadcast()`` is
(``websockets/asyncio/connection.py``):

- frames go only to connections whose protocol is ``OPEN`` and whose transport is not
  closing: once a close frame was sent or received (``CLOSING``), nothing more is written;
- nothing is written while the connection sends a fragmented message (never the case in
  the gateway, but websockets allows it), as data frames of two messages must not mix;
- websockets keeps no unsent data of its own between calls (it writes what its protocol
  produced before returning to the loop), so frames written here never overtake or split
  its frames; its ping/pong and closing handshake go on unchanged;
- a data frame changes no state of websockets' protocol (``send_text`` only appends the
  serialized frame to its outgoing data), so bypassing it leaves that state as it would be.

Frames queued for a connection keep their order; every frame the gateway sends (events,
command replies, unprompted errors) goes through one writer, so they also keep their
order relative to each other.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

from websockets.frames import Frame, Opcode
from websockets.protocol import State

logger = logging.getLogger(__name__)

OPEN = State.OPEN


def text_frame(payload: bytes) -> bytes:
    """A complete text frame carrying ``payload`` (UTF-8), as a server sends it."""
    return Frame(Opcode.TEXT, payload).serialize(mask=False)


class FrameWriter:
    """Queues frames per connection and writes each connection's queue once per iteration.

    ``limit`` bounds a connection's unsent data: what the transport still holds after the
    kernel took what it could. A connection past it is reported to
    ``on_overflow(connection)``, which should stop sending to it and close it.
    ``on_written()``, if given, is called after each round of writes. Connections are
    websockets ``ServerConnection`` objects, compared by identity.
    """

    def __init__(
        self,
        limit: int,
        on_overflow: Callable[[Any], None],
        on_written: Callable[[], None] | None = None,
    ) -> None:
        self.limit = limit
        self.on_overflow = on_overflow
        self.on_written = on_written
        self._queues: dict[Any, list[bytes]] = {}
        self._scheduled = False

    def send(self, connections: Iterable[Any], frame: bytes) -> None:
        """Queue ``frame`` (built by ``text_frame``) for each connection."""
        queues = self._queues
        for connection in connections:
            queue = queues.get(connection)
            if queue is None:
                queues[connection] = [frame]
            else:
                queue.append(frame)
        if queues and not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Write every connection's queued frames now; called at the end of an iteration."""
        queues, self._queues = self._queues, {}
        self._scheduled = False
        limit = self.limit
        for connection, frames in queues.items():
            transport = connection.transport
            if (
                connection.protocol.state is not OPEN
                or connection.send_in_progress is not None
                or transport.is_closing()
            ):
                continue
            data = frames[0] if len(frames) == 1 else b"".join(frames)
            if connection.protocol.debug:
                connection.logger.debug("> %d frames, %d bytes", len(frames), len(data))
            try:
                transport.write(data)
            except Exception as exc:  # as broadcast(): one socket's failure stops no other
                logger.warning("a write failed: %s", exc)
                continue
            if transport.get_write_buffer_size() > limit:
                self.on_overflow(connection)
        if self.on_written is not None:
            self.on_written()
