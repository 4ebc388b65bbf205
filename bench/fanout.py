"""Fan-out benchmark: one broker message to many WebSocket clients, through a real gateway.

    .venv/bin/python bench/fanout.py --scenario B --spawn-gateway
    .venv/bin/python bench/fanout.py --scenario A --rates 50,100,150,200 --spawn-gateway
    .venv/bin/python bench/fanout.py --scenario A --spawn-gateway --gateway-workers 2
    .venv/bin/python bench/fanout.py --url ws://host:8888/events --secret S \\
        --broker rabbitmq --broker-url amqp://… --gateway-pid 1234 --clients 1000 \\
        --projects 100 --rate 1000 --duration 20 --json out.json

Works against any gateway that speaks the taiga-events protocol (the original included):
clients authenticate with real tokens (HS256, ``SECRET``) and subscribe to
``changes.project.{p}.userstories.userstory``; the gateway must let them (run ours with
``AUTHORIZATION=off``, as the original behaves). ``--spawn-gateway`` starts ours that way,
on free ports (``APP_PORT`` is honoured if set), and ``--gateway-source`` imports it from
another checkout, to compare two versions on the same machine.

Client connections are spread over several worker processes, each connection a lean
asyncio protocol (``bench/wsclient.py``), so that the generator spends as little of the
shared cores as it can. Once every subscription is live (proved by a warm-up event per
project, republished until every client has it: no sleeps) and the warm-up events are all
delivered (a fence event per project, published once, has reached every client),
messages are published at the given rate through the real broker, each carrying its send
time, then an end marker per project. ``--rates`` runs one rate after another until a run
has a p99 of 250 ms or more, or a loss, and reports the highest that passed (scenario A's
criterion).

Reports connect time, deliveries expected and received, loss, latency percentiles,
deliveries/s, the gateway's RSS per connection and CPU per delivery (from /proc, given its
pid), RabbitMQ's CPU when it runs on this machine, and the load generator's own CPU, so
that a saturated generator is visible.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import multiprocessing
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from array import array
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import jwt
import orjson
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import percentile
from bench.wsclient import LeanClient, connect

KEY = "changes.project.{}.userstories.userstory"
SCENARIOS = {
    "A": {"clients": 1000, "projects": 1, "rate": 100, "duration": 10},
    "B": {"clients": 1000, "projects": 100, "rate": 1000, "duration": 20},
    "C": {"clients": 5000, "projects": 50, "rate": 200, "duration": 20},
    "D": {"clients": 15000, "projects": 1000, "rate": 10, "duration": 20},
}
# Scenario A's criterion for the highest sustainable rate.
P99_LIMIT_MS = 250


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def token(secret: str, user_id: int, claim: str) -> str:
    claims = {"token_type": "access", "exp": int(time.time()) + 86400, "jti": str(user_id)}
    claims[claim] = user_id
    return jwt.encode(claims, secret, algorithm="HS256")


# Worker processes: hold the client connections --------------------------------------------


@dataclass
class WorkerResult:
    connected: int = 0
    failed: int = 0
    received: int = 0
    ended: int = 0
    latencies_ms: array = field(default_factory=lambda: array("f"))
    cpu_seconds: float = 0.0


class WorkerClients:
    def __init__(self, args: argparse.Namespace, first: int, count: int) -> None:
        self.args = args
        self.first = first
        self.count = count
        self.result = WorkerResult()
        self.warmed: set[int] = set()
        self.all_warm = asyncio.Event()
        self.fenced: set[int] = set()
        self.all_fenced = asyncio.Event()
        self.finished: set[int] = set()
        self.all_ended = asyncio.Event()
        self.connections: list[LeanClient] = []

    def project_of(self, client: int) -> int:
        return client % self.args.projects

    async def open(self, client: int) -> None:
        args = self.args
        try:
            connection = await connect(args.url, partial(self.receive, client))
        except OSError:
            self.result.failed += 1
            return
        auth = {
            "cmd": "auth",
            "id": 1,
            "data": {
                "token": token(args.secret, client + 1, args.user_id_claim),
                "sessionId": f"bench-{client}",
            },
        }
        connection.send(orjson.dumps(auth))
        subscribe = {
            "cmd": "subscribe",
            "id": 2,
            "routing_key": KEY.format(self.project_of(client)),
        }
        connection.send(orjson.dumps(subscribe))
        self.connections.append(connection)
        self.result.connected += 1

    def receive(self, client: int, frame: bytes, arrived_at: float) -> None:
        data = orjson.loads(frame).get("data")
        if data is None:
            return  # acks
        sent_at = data.get("sent_at")
        if sent_at is not None:
            self.result.latencies_ms.append((arrived_at - sent_at) * 1000)
            self.result.received += 1
        elif data.get("warmup"):
            if client not in self.warmed:
                self.warmed.add(client)
                if len(self.warmed) == self.result.connected:
                    self.all_warm.set()
        elif data.get("fence"):
            self.fenced.add(client)
            if len(self.fenced) == self.result.connected:
                self.all_fenced.set()
        elif data.get("end") and client not in self.finished:
            self.finished.add(client)
            if len(self.finished) == self.result.connected:
                self.all_ended.set()

    async def run(self, pipe: multiprocessing.connection.Connection) -> None:
        batch = 200
        for start in range(self.first, self.first + self.count, batch):
            stop = min(start + batch, self.first + self.count)
            await asyncio.gather(*(self.open(c) for c in range(start, stop)))
        # The generator's own full garbage collections (thousands of connections) would show
        # as the gateway's latency: what is alive now is left out of them.
        gc.freeze()
        pipe.send(("connected", self.result.connected, self.result.failed))
        await self.all_warm.wait()
        pipe.send(("warm",))
        await self.all_fenced.wait()
        pipe.send(("fenced",))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.all_ended.wait(), timeout=self.args.duration + 60)
        self.result.ended = len(self.finished)
        self.result.cpu_seconds = cpu_seconds()
        pipe.send(("result", self.result))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*(c.close() for c in self.connections), return_exceptions=True),
                timeout=30,
            )


def worker_main(args: argparse.Namespace, first: int, count: int, pipe) -> None:
    raise_fd_limit()
    uvloop.run(WorkerClients(args, first, count).run(pipe))


# Publisher ------------------------------------------------------------------------------


class Publisher:
    async def start(self, args: argparse.Namespace) -> None:
        self.broker = args.broker
        if self.broker == "rabbitmq":
            import aio_pika

            self.connection = await aio_pika.connect(args.broker_url)
            channel = await self.connection.channel(publisher_confirms=False)
            self.exchange = await channel.declare_exchange(
                "events", aio_pika.ExchangeType.TOPIC, durable=False, auto_delete=True
            )
            self.message_class = aio_pika.Message
        else:
            import psycopg

            self.connection = await psycopg.AsyncConnection.connect(
                args.broker_url, autocommit=True
            )

    async def publish(self, project: int, data: dict) -> None:
        routing_key = KEY.format(project)
        envelope = {"session_id": None, "data": data}
        if self.broker == "rabbitmq":
            await self.exchange.publish(
                self.message_class(orjson.dumps(envelope)), routing_key=routing_key, mandatory=False
            )
        else:
            payload = orjson.dumps({"routing_key": routing_key, **envelope}).decode()
            await self.connection.execute("SELECT pg_notify('events', %s)", (payload,))

    async def close(self) -> None:
        await self.connection.close()


# The gateway's resources, from /proc ----------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (a gateway's workers, with ``--gateway-workers``)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(stat.parent.name))
    tree, index = [pid], 0
    while index < len(tree):
        tree.extend(children.get(tree[index], ()))
        index += 1
    return tree


def gateway_rss_kb(pid: int | None) -> int | None:
    """The resident memory of the gateway's processes, together."""
    if pid is None:
        return None
    total = 0
    for member in process_tree(pid):
        with contextlib.suppress(OSError), open(f"/proc/{member}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def gateway_cpu_seconds(pid: int | None) -> float | None:
    """The CPU time of the gateway's processes, together."""
    if pid is None:
        return None
    return sum(process_cpu_seconds(member) or 0.0 for member in process_tree(pid))


def worker_spread(metrics_url: str | None) -> dict[str, dict[str, float]] | None:
    """Connections and frames sent per worker, from a multi-worker gateway's /metrics."""
    if metrics_url is None:
        return None
    with urllib.request.urlopen(metrics_url, timeout=5) as response:
        text = response.read().decode()
    found: dict[str, dict[str, float]] = {}
    for line in text.splitlines():
        for name in ("connections", "frames_sent_total"):
            if line.startswith(f"taiga_events_worker_{name}{{"):
                worker = line.split('worker="', 1)[1].split('"', 1)[0]
                found.setdefault(name.removesuffix("_total"), {})[worker] = float(line.split()[-1])
    return found or None


def latency_buckets(metrics_url: str | None) -> dict[float, float] | None:
    """Our gateway's own delivery-latency histogram (seconds bound → count), if given."""
    if metrics_url is None:
        return None
    with urllib.request.urlopen(metrics_url, timeout=5) as response:
        text = response.read().decode()
    buckets = {}
    for line in text.splitlines():
        if line.startswith("taiga_events_delivery_latency_seconds_bucket"):
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            buckets[float(bound)] = float(line.rsplit(" ", 1)[1])
    return buckets


def bucket_percentile(before: dict | None, after: dict | None, p: float) -> float | None:
    """The bucket bound (ms) that ``p`` % of the messages of the run stayed within."""
    if before is None or after is None:
        return None
    total = after[float("inf")] - before[float("inf")]
    for bound in sorted(after):
        if total and after[bound] - before[bound] >= total * p / 100:
            return bound * 1000
    return None


def rabbitmq_pid() -> int | None:
    """The local RabbitMQ's process (``beam.smp``), if it runs on this machine."""
    for comm in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError):
            if comm.read_text().strip() == "beam.smp":
                return int(comm.parent.name)
    return None


def process_cpu_seconds(pid: int | None) -> float | None:
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None  # ended meanwhile
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# The run ----------------------------------------------------------------------------------


async def wait_for(pipes: list, kind: str, timeout: float) -> list:
    """The next message of ``kind`` from every worker."""
    loop = asyncio.get_running_loop()
    replies = []
    for pipe in pipes:
        message = await asyncio.wait_for(loop.run_in_executor(None, pipe.recv), timeout)
        assert message[0] == kind, message
        replies.append(message)
    return replies


async def run(args: argparse.Namespace) -> dict:
    rss_before = gateway_rss_kb(args.gateway_pid)
    per_worker = -(-args.clients // args.workers)
    pipes, processes = [], []
    context = multiprocessing.get_context("fork")
    connect_started = time.perf_counter()
    for index in range(args.workers):
        first, count = index * per_worker, min(per_worker, args.clients - index * per_worker)
        if count <= 0:
            break
        parent, child = context.Pipe()
        process = context.Process(target=worker_main, args=(args, first, count, child), daemon=True)
        process.start()
        pipes.append(parent)
        processes.append(process)
    connected = await wait_for(pipes, "connected", timeout=600)
    clients = sum(reply[1] for reply in connected)
    failed = sum(reply[2] for reply in connected)

    publisher = Publisher()
    await publisher.start(args)
    loop = asyncio.get_running_loop()
    warm = [loop.run_in_executor(None, pipe.recv) for pipe in pipes]
    deadline = time.monotonic() + 120
    while not all(future.done() for future in warm):
        if time.monotonic() > deadline:
            raise SystemExit("some clients never received the warm-up events")
        for project in range(args.projects):
            await publisher.publish(project, {"warmup": True})
        await asyncio.wait(warm, timeout=0.25)
    # Warm-up events may still be on their way: one fence per project, once every
    # subscription is live, arrives after all of them (a queue, then each connection, keeps
    # the order), so measuring starts on an idle gateway.
    for project in range(args.projects):
        await publisher.publish(project, {"fence": True})
    await wait_for(pipes, "fenced", timeout=120)
    connect_seconds = time.perf_counter() - connect_started
    rss_connected = gateway_rss_kb(args.gateway_pid)
    spread = worker_spread(args.metrics_url) if args.gateway_workers > 1 else None

    cpu_before = gateway_cpu_seconds(args.gateway_pid)
    buckets_before = latency_buckets(args.metrics_url)
    broker_pid = rabbitmq_pid() if args.broker == "rabbitmq" else None
    broker_cpu_before = process_cpu_seconds(broker_pid)
    own_cpu_before = cpu_seconds()
    total = int(args.rate * args.duration)
    started = time.perf_counter()
    for sequence in range(total):
        delay = started + sequence / args.rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await publisher.publish(sequence % args.projects, {"sent_at": time.time(), "seq": sequence})
    publish_seconds = time.perf_counter() - started
    for project in range(args.projects):
        await publisher.publish(project, {"end": True})
    results = [reply[1] for reply in await wait_for(pipes, "result", args.duration + 120)]
    elapsed = time.perf_counter() - started
    cpu_after = gateway_cpu_seconds(args.gateway_pid)
    if spread is not None:
        spread["frames_sent"] = worker_spread(args.metrics_url)["frames_sent"]
    buckets_after = latency_buckets(args.metrics_url)
    broker_cpu = None if broker_pid is None else process_cpu_seconds(broker_pid) - broker_cpu_before
    await publisher.close()
    for process in processes:
        process.join(timeout=30)

    subscribers = [0] * args.projects
    for client in range(clients):
        subscribers[client % args.projects] += 1
    expected = sum(subscribers[sequence % args.projects] for sequence in range(total))
    received = sum(result.received for result in results)
    latencies = [value for result in results for value in result.latencies_ms]
    gateway_cpu = None if cpu_before is None else cpu_after - cpu_before
    summary = {
        "command": args.command,
        "scenario": args.scenario,
        "broker": args.broker,
        "clients": clients,
        "failed_connections": failed,
        "projects": args.projects,
        "rate": args.rate,
        "achieved_rate": round(total / publish_seconds, 1),
        "duration": args.duration,
        "connect_seconds": round(connect_seconds, 2),
        "expected": expected,
        "received": received,
        "lost": expected - received,
        "latency_ms": {
            name: round(percentile(latencies, p), 2) if latencies else None
            for name, p in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100))
        },
        "deliveries_per_s": round(received / elapsed, 1),
        "gateway": {
            "rss_kb_per_connection": (
                round((rss_connected - rss_before) / clients, 2)
                if rss_before is not None and clients
                else None
            ),
            "rss_mb": None if rss_connected is None else round(rss_connected / 1024, 1),
            "cpu_seconds": None if gateway_cpu is None else round(gateway_cpu, 2),
            "cpu_us_per_delivery": (
                round(gateway_cpu / received * 1e6, 2) if gateway_cpu and received else None
            ),
            # Its own view (/metrics): broker message in, frames written to every socket.
            "p99_within_ms": bucket_percentile(buckets_before, buckets_after, 99),
            "workers": args.gateway_workers,
            # With several workers: each one's connections once all were subscribed, and
            # the frames it sent (warm-up included).
            "per_worker": spread,
        },
        "rabbitmq": {
            "cpu_seconds": None if broker_cpu is None else round(broker_cpu, 2),
            "cpu_us_per_delivery": (
                round(broker_cpu / received * 1e6, 2) if broker_cpu and received else None
            ),
        },
        "generator_cpu_seconds": round(
            sum(result.cpu_seconds for result in results) + cpu_seconds() - own_cpu_before, 2
        ),
    }
    return summary


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def spawn_gateway(args: argparse.Namespace) -> subprocess.Popen:
    """Start our gateway with authorization off, on the broker of the run, on free ports.

    ``APP_PORT`` (health and metrics) is taken from the environment when set, else a free
    port is chosen, as for the WebSocket port: a gateway already running on this machine
    cannot be mistaken for the one started here. Returns once ``/healthz`` says the broker
    link is up. With ``--gateway-source`` the gateway is imported from that directory (an
    other checkout of this repository), to compare two versions on the same machine.
    """
    port = free_port()
    app_port = int(os.environ.get("APP_PORT") or free_port())
    args.url = f"ws://127.0.0.1:{port}/events"
    args.metrics_url = f"http://127.0.0.1:{app_port}/metrics"
    env = {
        **os.environ,
        "SECRET": args.secret,
        "AUTHORIZATION": "off",
        "EVENTS_HOST": "127.0.0.1",
        "WEB_SOCKET_SERVER_PORT": str(port),
        "APP_PORT": str(app_port),
        "EVENTS_BROKER": args.broker,
        "LOG_LEVEL": "WARNING",
        "EVENTS_WORKERS": str(args.gateway_workers),
    }
    env["RABBITMQ_URL" if args.broker == "rabbitmq" else "POSTGRESQL_URL"] = args.broker_url
    source = args.gateway_source or Path(__file__).resolve().parent.parent
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
    log = tempfile.NamedTemporaryFile("w+", prefix="gateway-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "taiga_events", "serve"],
        env=env,
        cwd=source,
        stderr=log,
        stdout=log,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        health = f"http://127.0.0.1:{app_port}/healthz"
        with contextlib.suppress(OSError), urllib.request.urlopen(health, timeout=1):
            return process
        time.sleep(0.1)
    process.kill()
    raise SystemExit("the gateway did not start: " + Path(log.name).read_text())


def measure(args: argparse.Namespace) -> dict:
    """One run at ``args.rate``, against a gateway spawned for it if asked."""
    gateway = spawn_gateway(args) if args.spawn_gateway else None
    if gateway is not None:
        args.gateway_pid = gateway.pid
    try:
        return uvloop.run(run(args))
    finally:
        if gateway is not None:
            gateway.terminate()
            gateway.wait(timeout=30)


def passed(summary: dict) -> bool:
    """Scenario A's criterion: p99 under 250 ms and nothing lost."""
    p99 = summary["latency_ms"]["p99"]
    return summary["lost"] == 0 and p99 is not None and p99 < P99_LIMIT_MS


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), help="preset sizes")
    parser.add_argument("--url", default="ws://127.0.0.1:8888/events")
    parser.add_argument("--secret", default="fanout-benchmark-secret-long-enough-for-hs256")
    parser.add_argument("--user-id-claim", default="user_id")
    parser.add_argument("--broker", choices=["rabbitmq", "postgresql"], default="rabbitmq")
    parser.add_argument("--broker-url")
    parser.add_argument("--gateway-pid", type=int)
    parser.add_argument("--metrics-url", help="our gateway's /metrics: its own latency view")
    parser.add_argument(
        "--spawn-gateway", action="store_true", help="run our gateway for it (free ports)"
    )
    parser.add_argument(
        "--gateway-source", type=Path, help="with --spawn-gateway: import it from this checkout"
    )
    parser.add_argument(
        "--gateway-workers",
        type=int,
        default=1,
        help="with --spawn-gateway: its worker processes (EVENTS_WORKERS); CPU and memory "
        "are those of all its processes",
    )
    parser.add_argument("--clients", type=int)
    parser.add_argument("--projects", type=int)
    parser.add_argument("--rate", type=float, help="messages per second")
    parser.add_argument(
        "--rates",
        help="comma-separated rates, run in turn until one fails (p99 >= 250 ms or a loss); "
        "reports the highest that passed",
    )
    parser.add_argument("--duration", type=float, help="seconds of publishing")
    parser.add_argument("--workers", type=int, default=max(2, (os.cpu_count() or 2)))
    parser.add_argument("--json", type=Path, help="append each summary to this JSON-lines file")
    args = parser.parse_args(argv)
    # How to run this again, for the record (where the results go is left out).
    given = sys.argv[1:] if argv is None else argv
    skip = {index + 1 for index, arg in enumerate(given) if arg == "--json"}
    args.command = " ".join(
        [".venv/bin/python bench/fanout.py"]
        + [arg for index, arg in enumerate(given) if arg != "--json" and index not in skip]
    )
    for name, value in SCENARIOS.get(args.scenario, SCENARIOS["B"]).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.broker_url = args.broker_url or (
        "amqp://guest:guest@127.0.0.1:5672/"
        if args.broker == "rabbitmq"
        else "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    return args


def sweep(args: argparse.Namespace) -> tuple[list[dict], float | None]:
    """Run at each of ``--rates`` (or at ``--rate``) until a run fails; print and record
    every summary. Returns them, and the highest rate that passed (None: none did)."""
    raise_fd_limit()
    rates = [float(rate) for rate in args.rates.split(",")] if args.rates else [args.rate]
    summaries, top = [], None
    for rate in rates:
        args.rate = rate
        summary = measure(args)
        summaries.append(summary)
        print(json.dumps(summary, indent=2), flush=True)
        if args.json:
            with args.json.open("a") as output:
                output.write(json.dumps(summary) + "\n")
        if not passed(summary):
            break
        top = rate
    if args.rates:
        print(f"highest rate with p99 < {P99_LIMIT_MS} ms and nothing lost: {top} msg/s")
    return summaries, top


if __name__ == "__main__":
    sweep(parse_args())
