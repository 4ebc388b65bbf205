"""`taiga-events serve` as operators run it: environment in, events out."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import uuid

import jwt
import orjson
from websockets.asyncio.client import connect

from taiga.events.backends import load_backend
from tests.processes import free_port, read_until

SECRET = "cli-test-secret-long-enough-for-hs256"


async def _serve(**environ: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "taiga_events",
        "serve",
        env={**os.environ, **environ},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def test_bad_settings_exit_with_a_clear_message() -> None:
    process = await _serve(SECRET="", WEB_SOCKET_SERVER_PORT="8888")
    output = (await asyncio.wait_for(process.stdout.read(), timeout=30)).decode()
    assert await process.wait() == 2
    assert "SECRET is required" in output
    assert "Traceback" not in output


async def test_serve_relays_rabbitmq_events_and_stops_on_sigterm(rabbitmq_url: str) -> None:
    port = free_port()
    process = await _serve(
        SECRET=SECRET,
        WEB_SOCKET_SERVER_PORT=str(port),
        EVENTS_HOST="127.0.0.1",
        RABBITMQ_URL=rabbitmq_url,
        AUTHORIZATION="off",
    )
    try:
        ready = f"listening on ws://127.0.0.1:{port}/events (broker: rabbitmq)"
        log = await asyncio.wait_for(read_until(process.stdout, ready), timeout=30)
        assert "AUTHORIZATION=off: any client may follow any project" in log
        token = jwt.encode(
            {"token_type": "access", "user_id": 3, "exp": int(time.time()) + 60}, SECRET
        )
        key = f"changes.project.{uuid.uuid4().int % 10**9}.tasks.task"
        async with connect(f"ws://127.0.0.1:{port}/events") as ws:
            await ws.send(orjson.dumps({"cmd": "auth", "data": {"token": token}, "id": 1}))
            assert orjson.loads(await ws.recv()) == {"cmd": "ack", "id": 1}
            await ws.send(orjson.dumps({"cmd": "subscribe", "routing_key": key, "id": 2}))
            assert orjson.loads(await ws.recv()) == {"cmd": "ack", "id": 2}
            backend = load_backend("taiga.events.backends.rabbitmq.EventsPushBackend", rabbitmq_url)
            message = {
                "session_id": None,
                "data": {"type": "change", "matches": "tasks.task", "pk": 1},
            }
            await asyncio.to_thread(backend.emit_event, message, routing_key=key)
            await asyncio.to_thread(backend.close)
            assert orjson.loads(await ws.recv()) == {"routing_key": key, **message}
            process.send_signal(signal.SIGTERM)
            await ws.wait_closed()
            assert ws.close_code == 1001
        assert await asyncio.wait_for(process.wait(), timeout=30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
