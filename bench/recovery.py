"""Faults under load: do clients that resume miss or repeat anything?

    .venv/bin/python bench/recovery.py --scenario gateway-kill
    .venv/bin/python bench/recovery.py --scenario rabbitmq-restart --outage 10
    .venv/bin/python bench/recovery.py --scenario two-gateways

Starts ``taiga-events serve`` on RabbitMQ (its stream of its own, ``AUTHORIZATION=off``),
``--clients`` WebSocket clients subscribed to one project that reconnect and resume
(``subscribe`` with ``since``) whenever they lose their connection, and a publisher that
sends ``--rate`` numbered events a second and, like the backend's relay, keeps what the
broker has not confirmed and sends it again when it can. Then the fault:

- ``gateway-kill``: the gateway is killed (SIGKILL) and started again 3 s later;
- ``rabbitmq-restart``: ``rabbitmqctl stop_app``, ``--outage`` seconds, ``start_app``;
- ``two-gateways``: clients on the first of two gateways, which is killed: they resume on
  the second.

Prints, as JSON: events published, per client events missed and repeated (max and total),
resumes recovered and not, connections the gateway closed, and how long after the fault
ended delivery was back. RabbitMQ is left running whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import aio_pika
import orjson
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from taiga_events.brokers import stream as streams  # noqa: E402

SECRET = "recovery-benchmark-secret-long-enough-for-hs256"
KEY = "changes.project.1.tasks.task"
PATTERN = "changes.project.1.*"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gateway:
    """``taiga-events serve`` on its own ports, startable again on the same ones."""

    def __init__(self, rabbitmq_url: str, stream_name: str) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "SECRET": SECRET,
            "RABBITMQ_URL": rabbitmq_url,
            "WEB_SOCKET_SERVER_PORT": str(self.port),
            "APP_PORT": str(free_port()),
            "EVENTS_HOST": "127.0.0.1",
            "AUTHORIZATION": "off",
            "EVENTS_WORKERS": "1",
            "STREAM_NAME": stream_name,
            "LOG_LEVEL": "INFO",
            "LOG_FORMAT": "text",
        }
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/events"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(ROOT / ".venv/bin/taiga-events"), "serve"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for line in self.process.stderr:
            if "listening on" in line:
                # Keep reading what it logs, or it would block once the pipe is full.
                threading.Thread(target=self._drain, daemon=True).start()
                return
        raise RuntimeError("the gateway did not start")

    def _drain(self) -> None:
        for line in self.process.stderr:
            if os.environ.get("RECOVERY_DEBUG"):
                print(line, end="", file=sys.stderr)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


class Publisher:
    """Numbered events at a steady rate; unconfirmed ones are kept and sent again."""

    def __init__(self, url: str, settings: streams.StreamSettings, rate: float) -> None:
        self.url, self.settings, self.rate = url, settings, rate
        self.pending: list[int] = []
        self.published: list[tuple[int, float]] = []  # (seq, when confirmed)
        self.next_seq = 0
        self.running = True

    async def run(self) -> None:
        connection = exchange = None
        period = 1 / self.rate
        tick = time.monotonic()
        while self.running:
            self.pending.append(self.next_seq)
            self.next_seq += 1
            try:
                if connection is None or connection.is_closed:
                    connection = await aio_pika.connect(self.url, timeout=2)
                    await streams.declare(connection, self.settings)
                    channel = await connection.channel(on_return_raises=True)
                    exchange = await channel.declare_exchange(
                        "events", aio_pika.ExchangeType.TOPIC, durable=False, auto_delete=True
                    )
                while self.pending:
                    seq = self.pending[0]
                    body = {"session_id": None, "data": {"seq": seq}, "event_id": uuid.uuid4().hex}
                    await exchange.publish(aio_pika.Message(orjson.dumps(body)), routing_key=KEY)
                    self.published.append((self.pending.pop(0), time.time()))
            except Exception:
                connection = None
            tick += period
            await asyncio.sleep(max(0.0, tick - time.monotonic()))
        if connection is not None:
            await connection.close()


class Client:
    """Follows the project; reconnects (with jitter) and resumes whenever it loses it."""

    def __init__(self, urls: list[str]) -> None:
        self.urls = urls
        self.received: list[tuple[int, float]] = []  # (seq, when)
        self.since: dict | None = None
        self.subscribed = asyncio.Event()
        self.resumes: list[tuple[bool, str | None]] = []
        self.closed_by_gateway = 0
        self.running = True

    async def run(self) -> None:
        attempt = 0
        while self.running:
            url = self.urls[min(attempt, len(self.urls) - 1)] if self.received else self.urls[0]
            try:
                async with connect(url, open_timeout=5, ping_interval=None) as ws:
                    await self.follow(ws)
            except ConnectionClosed as closed:
                if closed.rcvd is not None:
                    self.closed_by_gateway += 1
            except (OSError, InvalidHandshake):
                pass  # not up (again) yet
            attempt += 1
            await asyncio.sleep(0.2 + random.random() * 0.5)

    async def follow(self, ws) -> None:
        command = {"cmd": "subscribe", "routing_key": PATTERN, "id": 1}
        if self.since is not None:
            command["since"] = self.since
        await ws.send(orjson.dumps(command).decode())
        async for frame in ws:
            message = orjson.loads(frame)
            if message.get("cmd") == "ack":
                if "since" in command:
                    self.resumes.append((message.get("recovered"), message.get("reason")))
                if "position" in message and self.since is None:
                    self.since = {"position": message["position"], "epoch": message["epoch"]}
                self.subscribed.set()
            elif "data" in message:
                self.received.append((message["data"]["seq"], time.time()))
                self.since = {"position": message["position"], "epoch": message["epoch"]}


async def scenario(args: argparse.Namespace) -> dict:
    settings = streams.StreamSettings(name=f"bench.recovery.{uuid.uuid4().hex[:8]}")
    gateways = [Gateway(args.rabbitmq_url, settings.name)]
    if args.scenario == "two-gateways":
        gateways.append(Gateway(args.rabbitmq_url, settings.name))
    for gateway in gateways:
        await asyncio.to_thread(gateway.start)
    clients = [Client([g.url for g in gateways]) for _ in range(args.clients)]
    tasks = [asyncio.create_task(client.run()) for client in clients]
    for client in clients:
        await asyncio.wait_for(client.subscribed.wait(), 60)
    publisher = Publisher(args.rabbitmq_url, settings, args.rate)
    publishing = asyncio.create_task(publisher.run())
    await asyncio.sleep(3)
    fault_started = time.time()
    try:
        if args.scenario == "rabbitmq-restart":
            await asyncio.to_thread(rabbitmqctl, "stop_app")
            try:
                await asyncio.sleep(args.outage)
            finally:
                await asyncio.to_thread(rabbitmqctl, "start_app")
        else:
            await asyncio.to_thread(gateways[0].kill)
            if args.scenario == "gateway-kill":
                await asyncio.sleep(3)
                await asyncio.to_thread(gateways[0].start)
        fault_ended = time.time()
        await asyncio.sleep(5)
    finally:
        publisher.running = False
        await publishing
    last = publisher.published[-1][0]
    deadline = time.time() + 60
    while time.time() < deadline and any(
        not c.received or c.received[-1][0] < last for c in clients
    ):
        await asyncio.sleep(0.1)
    for client in clients:
        client.running = False
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for gateway in gateways:
        gateway.kill()
    with contextlib.suppress(Exception):
        subprocess.run(["rabbitmqctl", "delete_queue", settings.name], capture_output=True)
        subprocess.run(
            ["rabbitmqctl", "delete_queue", f"{settings.name}.epoch"], capture_output=True
        )
    expected = {seq for seq, _ in publisher.published}
    missed = [len(expected - {seq for seq, _ in c.received}) for c in clients]
    repeated = [len(c.received) - len({seq for seq, _ in c.received}) for c in clients]
    # Delivery back: the first event a client got, published after the fault ended.
    after = [seq for seq, when in publisher.published if when >= fault_ended]
    firsts = [
        min((when for seq, when in c.received if seq >= after[0]), default=None)
        for c in clients
        if after
    ]
    back = [first - fault_ended for first in firsts if first is not None]
    resumes = [r for c in clients for r in c.resumes]
    return {
        "scenario": args.scenario,
        "clients": args.clients,
        "rate": args.rate,
        "outage_s": args.outage if args.scenario == "rabbitmq-restart" else None,
        "published": len(expected),
        "missed_max": max(missed),
        "missed_total": sum(missed),
        "repeated_total": sum(repeated),
        "resumes": len(resumes),
        "recovered": sum(1 for ok, _ in resumes if ok),
        "not_recovered": sorted({reason for ok, reason in resumes if not ok}),
        "closed_by_gateway": sum(c.closed_by_gateway for c in clients),
        "fault_s": round(fault_ended - fault_started, 2),
        "delivery_back_s_max": round(max(back), 2) if back else None,
    }


def rabbitmqctl(command: str) -> None:
    subprocess.run(["rabbitmqctl", command], check=True, capture_output=True, timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scenario", choices=["gateway-kill", "rabbitmq-restart", "two-gateways"], required=True
    )
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--outage", type=float, default=10.0)
    parser.add_argument("--rabbitmq-url", default="amqp://guest:guest@127.0.0.1:5672/")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(scenario(args))))


if __name__ == "__main__":
    main()
