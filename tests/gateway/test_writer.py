"""The write path: frames built once, one write per connection per loop iteration, closing
connections skipped, unsent data bounded. Real websockets connections where the behaviour
is websockets' own; stand-in transports where the number of writes is what is tested."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.protocol import Protocol, Side

from taiga_events.writer import FrameWriter, text_frame

LIMIT = 1000
Pair = tuple[ClientConnection, ServerConnection]


class FakeTransport:
    """Records writes; the kernel takes nothing, so everything written stays buffered."""

    def __init__(self, fails: bool = False) -> None:
        self.writes: list[bytes] = []
        self.fails = fails
        self.closing = False

    def write(self, data: bytes) -> None:
        if self.fails:
            raise RuntimeError("the transport is gone")
        self.writes.append(data)

    def get_write_buffer_size(self) -> int:
        return sum(map(len, self.writes))

    def is_closing(self) -> bool:
        return self.closing


class FakeConnection:
    """websockets' sans-I/O protocol (its real state machine) over a recording transport."""

    def __init__(self, fails: bool = False) -> None:
        self.protocol = Protocol(Side.SERVER)
        self.transport = FakeTransport(fails)
        self.send_in_progress: asyncio.Future[None] | None = None
        self.logger = logging.getLogger("test")


class Written:
    """A writer whose rounds of writes can be awaited, and its overflow reports."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.round = asyncio.Event()
        self.overflowed: list[object] = []
        self.writer = FrameWriter(limit, self.overflowed.append, self.round.set)

    async def wait(self) -> None:
        await asyncio.wait_for(self.round.wait(), timeout=10)
        self.round.clear()


@pytest.fixture
async def pair() -> AsyncIterator[Callable[[], Awaitable[Pair]]]:
    """Opens a real client connection and returns it with the server's side of it."""
    accepted: asyncio.Queue[ServerConnection] = asyncio.Queue()
    clients: list[ClientConnection] = []

    async def handler(websocket: ServerConnection) -> None:
        await accepted.put(websocket)
        await websocket.wait_closed()

    async with serve(handler, "127.0.0.1", 0, compression=None) as server:
        port = server.sockets[0].getsockname()[1]

        async def open_pair() -> Pair:
            clients.append(await connect(f"ws://127.0.0.1:{port}", compression=None))
            return clients[-1], await asyncio.wait_for(accepted.get(), timeout=10)

        yield open_pair
        for client in clients:
            await client.close()


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 100_000])
def test_a_frame_is_the_bytes_websockets_itself_sends(size: int) -> None:
    # Every length encoding: 7 bits, 16 bits, 64 bits.
    payload = b"y" * size
    protocol = Protocol(Side.SERVER)
    protocol.send_text(payload)
    assert protocol.data_to_send() == [text_frame(payload)]


async def test_frames_of_one_iteration_are_one_write_per_connection_in_order() -> None:
    written = Written()
    one, two = FakeConnection(), FakeConnection()
    first, second, third = (text_frame(f'"{n}"'.encode()) for n in range(3))
    written.writer.send([one, two], first)
    written.writer.send([one], second)
    written.writer.send([two, one], third)
    await written.wait()
    assert one.transport.writes == [first + second + third]
    assert two.transport.writes == [first + third]
    written.writer.send([one], first)
    await written.wait()
    assert one.transport.writes == [first + second + third, first]


async def test_coalesced_frames_are_separate_messages_to_a_real_client(pair) -> None:
    client, server_side = await pair()
    written = Written()
    for n in range(3):
        written.writer.send([server_side], text_frame(f'{{"n":{n}}}'.encode()))
    await written.wait()
    assert [await client.recv() for _ in range(3)] == ['{"n":0}', '{"n":1}', '{"n":2}']
    # websockets' own keepalive on the same connection is untouched.
    await asyncio.wait_for(await client.ping(), timeout=10)


@pytest.mark.parametrize("state", ["closing", "closed", "transport closing", "fragmenting"])
async def test_closing_or_busy_connections_are_skipped(state: str) -> None:
    # websockets' own state machine: send_close() is how a close begins, EOF how it ends.
    skipped, other = FakeConnection(), FakeConnection()
    if state == "closing":
        skipped.protocol.send_close()
    elif state == "closed":
        skipped.protocol.receive_eof()
    elif state == "transport closing":
        skipped.transport.closing = True
    else:
        skipped.send_in_progress = asyncio.get_running_loop().create_future()
    written = Written()
    frame = text_frame(b'"x"')
    written.writer.send([skipped, other], frame)
    await written.wait()
    assert skipped.transport.writes == []
    assert other.transport.writes == [frame]


async def test_a_connection_past_the_limit_is_reported_others_are_not() -> None:
    written = Written(limit=100)
    slow, fast = FakeConnection(), FakeConnection()
    frame = text_frame(b"x" * 58)  # 60 bytes
    written.writer.send([slow, fast], frame)
    await written.wait()
    assert written.overflowed == []
    # The slow one's transport still holds the first 60 bytes: 120 unsent passes 100.
    fast.transport.writes.clear()
    written.writer.send([slow, fast], frame)
    await written.wait()
    assert written.overflowed == [slow]


async def test_a_failed_write_stops_no_other() -> None:
    written = Written()
    broken, fine = FakeConnection(fails=True), FakeConnection()
    frame = text_frame(b'"x"')
    written.writer.send([broken, fine], frame)
    await written.wait()
    assert fine.transport.writes == [frame]
