"""`taiga-events serve` as operators run it: environment in, events out."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import jwt
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect

from taiga.events.backends import load_backend
from tests.processes import free_port, read_until

SECRET = "cli-test-secret-long-enough-for-hs256"


async def _serve(cwd: Path | None = None, **environ: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "taiga_events",
        "serve",
        cwd=cwd,
        env={**os.environ, **environ},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


@dataclass
class Serving:
    process: asyncio.subprocess.Process
    url: str
    port: int
    # What it logged up to "listening on".
    log: str

    async def stop(self) -> str:
        """SIGTERM; returns the rest of the log once it has exited with 0."""
        self.process.send_signal(signal.SIGTERM)
        rest = (await asyncio.wait_for(self.process.stdout.read(), timeout=30)).decode()
        assert await asyncio.wait_for(self.process.wait(), timeout=30) == 0
        return rest


@contextlib.asynccontextmanager
async def serving(**environ: str) -> AsyncIterator[Serving]:
    """The gateway on free ports, once listening; killed afterwards if still running."""
    port = free_port()
    process = await _serve(
        SECRET=SECRET,
        WEB_SOCKET_SERVER_PORT=str(port),
        APP_PORT=str(free_port()),
        EVENTS_HOST="127.0.0.1",
        **environ,
    )
    try:
        ready = read_until(process.stdout, "taiga-events listening on")
        log = await asyncio.wait_for(ready, timeout=30)
        yield Serving(process, f"ws://127.0.0.1:{port}/events", port, log)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def _token(user_id: int, secret: str = SECRET) -> str:
    claims = {"token_type": "access", "user_id": user_id, "exp": int(time.time()) + 60}
    return jwt.encode(claims, secret)


async def test_bad_settings_exit_with_a_clear_message() -> None:
    process = await _serve(SECRET="", WEB_SOCKET_SERVER_PORT="8888")
    output = (await asyncio.wait_for(process.stdout.read(), timeout=30)).decode()
    assert await process.wait() == 2
    assert "SECRET is required" in output
    assert "Traceback" not in output


async def test_serve_reads_the_dotenv_of_its_working_directory_under_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SECRET", raising=False)
    monkeypatch.delenv("EVENTS_BROKER", raising=False)
    secret = "dotenv-secret-long-enough-for-hs256"
    port = free_port()
    (tmp_path / ".env").write_text(
        f"SECRET={secret}\nEVENTS_BROKER=memory\nnot a setting\n"
        f"WEB_SOCKET_SERVER_PORT={free_port()}\n"
    )
    process = await _serve(
        cwd=tmp_path,
        WEB_SOCKET_SERVER_PORT=str(port),
        APP_PORT=str(free_port()),
        EVENTS_HOST="127.0.0.1",
    )
    try:
        ready = read_until(process.stdout, "taiga-events listening on")
        log = await asyncio.wait_for(ready, timeout=30)
        assert f"listening on ws://127.0.0.1:{port}/events (broker: memory)" in log
        assert "could not parse statement starting at line 3" in log
        assert "Traceback" not in log
        async with connect(f"ws://127.0.0.1:{port}/events") as ws:
            auth = {"cmd": "auth", "data": {"token": _token(3, secret)}, "id": 1}
            await ws.send(orjson.dumps(auth))
            assert orjson.loads(await ws.recv()) == {"cmd": "ack", "id": 1}
    finally:
        process.kill()
        await process.wait()


async def _subscribed(url: str, key: str) -> ClientConnection:
    ws = await connect(url)
    await ws.send(orjson.dumps({"cmd": "auth", "data": {"token": _token(3)}, "id": 1}))
    assert orjson.loads(await ws.recv()) == {"cmd": "ack", "id": 1}
    await ws.send(orjson.dumps({"cmd": "subscribe", "routing_key": key, "id": 2}))
    reply = orjson.loads(await ws.recv())
    assert (reply["cmd"], reply["id"]) == ("ack", 2), reply
    return ws


def _event(frame: bytes | str) -> dict:
    """An event frame, checked to carry a position in the stream, without it."""
    event = orjson.loads(frame)
    assert isinstance(event.pop("position"), int) and isinstance(event.pop("epoch"), str)
    return event


async def _emit(rabbitmq_url: str, key: str, message: dict) -> None:
    """Publish as the backend does, with the emission library."""
    backend = load_backend("taiga.events.backends.rabbitmq.EventsPushBackend", rabbitmq_url)
    await asyncio.to_thread(backend.emit_event, message, routing_key=key)
    await asyncio.to_thread(backend.close)


MESSAGE = {"session_id": None, "data": {"type": "change", "matches": "tasks.task", "pk": 1}}


async def test_serve_relays_rabbitmq_events_and_stops_on_sigterm(rabbitmq_url: str) -> None:
    async with serving(RABBITMQ_URL=rabbitmq_url, AUTHORIZATION="off") as gateway:
        assert f"listening on {gateway.url} (broker: rabbitmq)" in gateway.log
        assert "AUTHORIZATION=off: any client may follow any project" in gateway.log
        key = f"changes.project.{uuid.uuid4().int % 10**9}.tasks.task"
        ws = await _subscribed(gateway.url, key)
        await _emit(rabbitmq_url, key, MESSAGE)
        assert _event(await ws.recv()) == {"routing_key": key, **MESSAGE}
        await gateway.stop()
        await ws.wait_closed()
        assert ws.close_code == 1001


async def test_two_gateway_processes_on_one_rabbitmq_each_deliver_every_event(
    rabbitmq_url: str,
) -> None:
    key = f"changes.project.{uuid.uuid4().int % 10**9}.tasks.task"
    environ = {"RABBITMQ_URL": rabbitmq_url, "AUTHORIZATION": "off"}
    async with serving(**environ) as first, serving(**environ) as second:
        clients = [await _subscribed(first.url, key), await _subscribed(second.url, key)]
        await _emit(rabbitmq_url, key, MESSAGE)
        for ws in clients:
            assert _event(await ws.recv()) == {"routing_key": key, **MESSAGE}
            await ws.close()


async def test_sigterm_drains_every_client_and_exits_within_the_grace_period() -> None:
    # One process (as on a one-core machine); several: tests/gateway/test_workers.py.
    async with serving(
        EVENTS_BROKER="memory", SHUTDOWN_GRACE_SECONDS="1", EVENTS_WORKERS="1"
    ) as gateway:
        clients = [await connect(gateway.url) for _ in range(3)]
        # A client that completes the handshake, then never reads nor answers the close.
        reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
        writer.write(
            b"GET /events HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        assert (await reader.readline()).startswith(b"HTTP/1.1 101")
        for ws in clients:
            await ws.send('{"cmd":"ping"}')
            await ws.recv()
        # The silent client cannot hold the exit up beyond the grace period.
        await gateway.stop()
        for ws in clients:
            await ws.wait_closed()
            assert (ws.close_code, ws.close_reason) == (1001, "server shutting down")
        writer.close()


async def test_logs_are_structured_and_never_show_tokens_or_secrets(rabbitmq_url: str) -> None:
    valid, forged = _token(3), _token(1, secret="x" * 40)
    garbage = "opaque-session-token-" + uuid.uuid4().hex
    async with serving(
        RABBITMQ_URL=rabbitmq_url,
        TAIGA_API_URL=f"http://127.0.0.1:{free_port()}/api/v1",
        LOG_LEVEL="DEBUG",
    ) as gateway:
        async with connect(gateway.url) as ws:
            for token in (forged, garbage, valid):
                await ws.send(orjson.dumps({"cmd": "auth", "data": {"token": token}, "id": 1}))
                await ws.recv()
            subscribe = {"cmd": "subscribe", "routing_key": "changes.project.1.*", "id": 2}
            await ws.send(orjson.dumps(subscribe))
            assert orjson.loads(await ws.recv())["code"] == "backend_unavailable"
        output = gateway.log + await gateway.stop()
    entries = [orjson.loads(line) for line in output.splitlines()]
    assert {"time", "level", "logger", "message"} <= set(entries[0])
    assert any("permissions cannot be checked" in entry["message"] for entry in entries)
    # Incoming frames were logged (websockets does at DEBUG), with their tokens removed.
    frames = [entry["message"] for entry in entries if entry["message"].startswith("< ")]
    assert sum('"token":"[redacted]"' in frame for frame in frames) == 3
    for secret in (valid, forged, forged.rsplit(".", 1)[1], garbage, SECRET, ":guest@"):
        assert secret not in output


async def test_doctor_names_the_failing_step() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "taiga_events",
        "doctor",
        "--url",
        f"ws://127.0.0.1:{free_port()}/events",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = (await asyncio.wait_for(process.stdout.read(), timeout=60)).decode()
    assert await process.wait() == 1
    assert output.splitlines()[0].startswith("FAIL  gateway reachable"), output
