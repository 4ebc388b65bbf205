"""No input crashes the gateway: arbitrary frames and bytes at a live one, which keeps
serving another client throughout (property-based, hypothesis)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import threading
import uuid
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from taiga_events.protocol import ErrorCode
from tests.gateway.conftest import GatewayUnderTest, make_token, start_gateway

MAX_FRAME_BYTES = 2048
ERROR_CODES = {value for name, value in vars(ErrorCode).items() if name.isupper()} - {
    ErrorCode.INTERNAL
}
# What a connection may be closed with for bytes that are not WebSocket: protocol error,
# invalid UTF-8 in a text frame, frame too big to read.
INPUT_CLOSE_CODES = {1002, 1007, 1009}
T = TypeVar("T")


class ThreadedGateway:
    """A gateway on its own event loop in a thread, so that sync tests can drive it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.gateway: GatewayUnderTest = self.call(
            start_gateway(max_frame_bytes=MAX_FRAME_BYTES, command_rate=1e9, command_burst=10**9)
        )
        self.gateway.backend.grant(5, 1)
        self.gateway.backend.grant(5, None)

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def close(self) -> None:
        self.call(self.gateway.running.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=30)
        self.loop.close()


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[ThreadedGateway, ClientConnection]]:
    threaded = ThreadedGateway()
    try:
        with connect(threaded.gateway.url) as observer:
            auth = {"cmd": "auth", "data": {"token": make_token(9)}}
            observer.send(orjson.dumps(auth).decode())
            observer.send('{"cmd":"subscribe","routing_key":"notifications","id":1}')
            assert orjson.loads(observer.recv(timeout=10))["cmd"] == "ack"
            yield threaded, observer
    finally:
        threaded.close()


def _still_serves(threaded: ThreadedGateway, observer: ClientConnection) -> None:
    """The other client still gets its events and its pongs."""
    marker = uuid.uuid4().hex
    threaded.gateway.publish("notifications", None, marker=marker)
    while orjson.loads(observer.recv(timeout=10)).get("data", {}).get("marker") != marker:
        pass
    observer.send(orjson.dumps({"cmd": "ping", "id": marker}).decode())
    pong = orjson.loads(observer.recv(timeout=10))
    assert (pong["cmd"], pong["id"]) == ("pong", marker)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=8,
)
tokens = st.one_of(st.just(make_token(1)), st.text(max_size=40), json_values)
routing_keys = st.one_of(
    st.sampled_from(
        ["changes.project.5.*", "notifications", "#", "web_notifications.1", "live_notifications"]
    ),
    st.text(alphabet="ab.*#5", max_size=30),
    json_values,
)
commands = st.fixed_dictionaries(
    {"cmd": st.sampled_from(["ping", "auth", "subscribe", "unsubscribe"]) | json_values},
    optional={
        "id": json_values,
        "routing_key": routing_keys,
        "options": st.fixed_dictionaries({"selfNotification": json_values}) | json_values,
        "data": st.fixed_dictionaries({"token": tokens, "sessionId": json_values}) | json_values,
    },
)
frames = st.one_of(
    # The standard library's encoder: it also writes integers beyond 64 bits.
    commands.map(json.dumps),
    json_values.map(json.dumps),
    st.text(max_size=100),
    st.binary(max_size=100),
    st.integers(MAX_FRAME_BYTES - 10, 40 * MAX_FRAME_BYTES).map(lambda size: "[" * size),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sent=st.lists(frames, min_size=1, max_size=5))
def test_arbitrary_frames_get_answers_and_others_are_served(
    live: tuple[ThreadedGateway, ClientConnection], sent: list[str | bytes]
) -> None:
    threaded, observer = live
    with connect(threaded.gateway.url, max_size=None) as ws:
        try:
            for frame in sent:
                ws.send(frame)
            ws.send('{"cmd":"ping","id":"last"}')
            while True:
                reply = orjson.loads(ws.recv(timeout=10))
                if (reply.get("cmd"), reply.get("id")) == ("pong", "last"):
                    break
                assert reply.get("cmd") in ("error", "ack", "pong") or "routing_key" in reply
                if reply.get("cmd") == "error":
                    assert reply["code"] in ERROR_CODES, reply
        except ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code in INPUT_CLOSE_CODES
    _still_serves(threaded, observer)


def _handshake(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16))
    sock.sendall(
        b"GET /events HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    response = b""
    while b"\r\n\r\n" not in response:
        response += sock.recv(4096)
    assert response.startswith(b"HTTP/1.1 101")
    return sock


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.binary(min_size=1, max_size=200))
@example(raw=b"\xf1\x84\x00\x00\x00\x00ping")  # text frame with the three reserved bits set
@example(raw=b"\x83\x80\x00\x00\x00\x00")  # reserved opcode
@example(raw=b"\x81\x7f\xff\xff\xff\xff\xff\xff\xff\xff")  # length of 2**64 - 1, unmasked
@example(raw=b"\x89\xfe\x01\x00")  # ping longer than a control frame may be
def test_arbitrary_bytes_after_the_handshake_do_not_disturb_others(
    live: tuple[ThreadedGateway, ClientConnection], raw: bytes
) -> None:
    threaded, observer = live
    with _handshake(threaded.gateway.running.port) as sock:
        sock.sendall(raw)
    _still_serves(threaded, observer)
