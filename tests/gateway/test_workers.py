"""`taiga-events serve --workers N`: one port, N gateway processes, one service."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import orjson
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import ClientConnection, connect

from taiga_events.clients.client import EventsClient, State
from tests.gateway.conftest import http_get, until
from tests.gateway.test_cli import MESSAGE, SECRET, _emit
from tests.processes import free_port, read_until

READY = "taiga-events serving"


@dataclass
class Service:
    process: asyncio.subprocess.Process
    url: str
    app_port: int
    # Worker index → pid, from the supervisor's log.
    pids: dict[int, int]

    async def metrics(self) -> dict[tuple[str, tuple], float]:
        """Every sample of /metrics: (name, labels) → value."""
        status, text = await asyncio.to_thread(
            http_get, f"http://127.0.0.1:{self.app_port}/metrics"
        )
        assert status == 200
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }

    async def per_worker(self, name: str) -> dict[int, float]:
        samples = await self.metrics()
        return {
            int(dict(labels)["worker"]): value
            for (sample, labels), value in samples.items()
            if sample == name
        }

    async def stop(self) -> str:
        """SIGTERM; returns the rest of the log once the service has exited with 0."""
        self.process.send_signal(signal.SIGTERM)
        rest = (await asyncio.wait_for(self.process.stdout.read(), timeout=30)).decode()
        assert await asyncio.wait_for(self.process.wait(), timeout=30) == 0
        return rest


@contextlib.asynccontextmanager
async def service(workers: int = 2, **environ: str) -> AsyncIterator[Service]:
    """``taiga-events serve --workers N`` on free ports, once every worker serves."""
    port, app_port = free_port(), free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "taiga_events",
        "serve",
        "--workers",
        str(workers),
        env={
            **os.environ,
            "SECRET": SECRET,
            "WEB_SOCKET_SERVER_PORT": str(port),
            "APP_PORT": str(app_port),
            "EVENTS_HOST": "127.0.0.1",
            "AUTHORIZATION": "off",
            **environ,
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        log = await asyncio.wait_for(read_until(process.stdout, READY), timeout=60)
        entries = [orjson.loads(line) for line in log.splitlines()]
        pids = {
            entry["worker"]: entry["pid"]
            for entry in entries
            if entry["message"].startswith("worker ") and "pid" in entry
        }
        yield Service(process, f"ws://127.0.0.1:{port}/events", app_port, pids)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def subscribed(url: str, key: str) -> ClientConnection:
    ws = await connect(url)
    await ws.send(orjson.dumps({"cmd": "subscribe", "routing_key": key, "id": 1}))
    reply = orjson.loads(await ws.recv())
    assert (reply["cmd"], reply["id"]) == ("ack", 1), reply
    return ws


def unique_key() -> str:
    return f"changes.project.{uuid.uuid4().int % 10**9}.tasks.task"


async def test_connections_spread_over_the_workers_and_every_worker_delivers(
    rabbitmq_url: str,
) -> None:
    key = unique_key()
    async with service(RABBITMQ_URL=rabbitmq_url) as gateway:
        assert sorted(gateway.pids) == [0, 1]
        clients = [await subscribed(gateway.url, key) for _ in range(40)]
        spread = await gateway.per_worker("taiga_events_worker_connections")
        assert sum(spread.values()) == 40
        assert min(spread.values()) > 0, spread  # both hold some (all on one: p = 2**-39)
        await _emit(rabbitmq_url, key, MESSAGE)
        frames = [orjson.loads(await asyncio.wait_for(ws.recv(), 10)) for ws in clients]
        # Both workers read the stream: the same position and epoch whichever one a
        # client is on, so it can resume on the other.
        assert len({(frame.pop("position"), frame.pop("epoch")) for frame in frames}) == 1
        assert frames == [{"routing_key": key, **MESSAGE}] * len(clients)
        delivered = await gateway.per_worker("taiga_events_worker_frames_sent_total")
        assert delivered == spread
        metrics = await gateway.metrics()
        # One /metrics for the service: the workers' counters added up.
        assert metrics["taiga_events_connections", ()] == 40
        assert metrics["taiga_events_frames_sent_total", ()] == 40
        # Each worker reads the whole stream (from its last chunk on, when it starts).
        assert metrics["taiga_events_events_received_total", ()] >= 2
        assert metrics["taiga_events_broker_connected", ()] == 1
        assert metrics["taiga_events_workers", ()] == 2
        assert await asyncio.to_thread(
            http_get, f"http://127.0.0.1:{gateway.app_port}/healthz"
        ) == (200, '{"status":"ok"}')
        for ws in clients:
            await ws.close()
        await gateway.stop()


async def test_a_killed_worker_is_started_again_and_its_clients_reconnect(
    rabbitmq_url: str,
) -> None:
    key = unique_key()
    async with service(RABBITMQ_URL=rabbitmq_url) as gateway:
        clients = [EventsClient(gateway.url, backoff_base=0.05, backoff_cap=0.2) for _ in range(12)]
        reconnected: list[EventsClient] = []
        for client in clients:
            client.on_state(
                lambda change, client=client: (
                    change.state is State.OPEN
                    and change.previous is State.RECONNECTING
                    and reconnected.append(client)
                )
            )
            await client.connect()
            await client.subscribe(key)
        streams = [client.events() for client in clients]
        spread = await gateway.per_worker("taiga_events_worker_connections")
        victim = max(spread, key=spread.get)
        await _emit(rabbitmq_url, key, MESSAGE)
        for stream in streams:
            assert (await asyncio.wait_for(anext(stream), 10)).data == MESSAGE["data"]
        assert (await gateway.metrics())["taiga_events_frames_sent_total", ()] == 12

        os.kill(gateway.pids[victim], signal.SIGKILL)
        await until(lambda: len(reconnected) >= spread[victim], timeout=30)
        assert {client.state for client in clients} == {State.OPEN}

        async def replaced() -> bool:
            metrics = await gateway.metrics()
            return metrics["taiga_events_workers", ()] == 2

        async with asyncio.timeout(30):
            while not await replaced():
                await asyncio.sleep(0.05)
        metrics = await gateway.metrics()
        assert metrics["taiga_events_worker_restarts_total", ()] == 1
        # What the dead worker had counted stays in the service's totals.
        assert metrics["taiga_events_frames_sent_total", ()] == 12
        await _emit(rabbitmq_url, key, MESSAGE)
        for stream in streams:
            assert (await asyncio.wait_for(anext(stream), 10)).data == MESSAGE["data"]
        assert (await gateway.metrics())["taiga_events_frames_sent_total", ()] == 24
        for client in clients:
            await client.close()
        log = await gateway.stop()
        assert f"worker {victim} exited with status -9" in log


async def test_sigterm_closes_every_client_of_every_worker_with_1001() -> None:
    async with service(EVENTS_BROKER="memory", SHUTDOWN_GRACE_SECONDS="2") as gateway:
        clients = [await subscribed(gateway.url, unique_key()) for _ in range(20)]
        spread = await gateway.per_worker("taiga_events_worker_connections")
        assert sum(spread.values()) == 20
        assert min(spread.values()) > 0, spread
        log = await gateway.stop()
        for ws in clients:
            await asyncio.wait_for(ws.wait_closed(), 10)
            assert (ws.close_code, ws.close_reason) == (1001, "server shutting down")
        assert log.count('"message":"shutting down"') == 3  # the supervisor and each worker
        assert "Traceback" not in log


async def test_workers_stop_when_their_supervisor_is_killed() -> None:
    async with service(EVENTS_BROKER="memory") as gateway:
        gateway.process.kill()
        await gateway.process.wait()

        def gone(pid: int) -> bool:
            with contextlib.suppress(FileNotFoundError):
                stat = open(f"/proc/{pid}/stat").read()  # noqa: SIM115
                return stat.rsplit(")", 1)[1].split()[0] == "Z"  # ended, not yet reaped
            return True

        await until(lambda: all(gone(pid) for pid in gateway.pids.values()), timeout=20)


async def test_a_port_in_use_stops_the_start_with_its_reason() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "taiga_events",
            "serve",
            "--workers",
            "2",
            env={
                **os.environ,
                "SECRET": SECRET,
                "WEB_SOCKET_SERVER_PORT": str(port),
                "APP_PORT": str(free_port()),
                "EVENTS_HOST": "127.0.0.1",
                "EVENTS_BROKER": "memory",
            },
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output = (await asyncio.wait_for(process.stdout.read(), timeout=60)).decode()
        assert await process.wait() == 1
    assert "taiga-events: [Errno 98]" in output
    assert "address already in use" in output
    assert "Traceback" not in output
