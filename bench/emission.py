"""What emitting events costs the backend, per push backend.

    .venv/bin/python bench/emission.py [--events 10000] [--requests 200] [--write]

Measures, for the memory, PostgreSQL and RabbitMQ backends:
- publish: one synchronous ``backend.emit_event`` (RabbitMQ: with the broker's confirm;
  PostgreSQL: ``pg_notify`` on the backend's own connection), per event;
- caller: what a request pays per event (``emit_event`` → the background sender's queue),
  and the sustained rate the sender drains at (batched publishing);
- the original taiga-back's way for comparison: a new AMQP connection per event;
- HTTP: ``POST /api/v1/userstories`` throughput (in-process Django test client) with events
  off (null backend) and with each backend, in interleaved rounds so that machine noise hits
  every configuration alike.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "taiga.settings.common"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}")

import aio_pika
import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from bench.report import median, percentile, write_section  # noqa: E402
from taiga.auth.tokens import issue_access_token  # noqa: E402
from taiga.events import backends  # noqa: E402
from taiga.events.events import emit_event  # noqa: E402
from taiga.projects import services as project_services  # noqa: E402
from taiga.users.models import User  # noqa: E402

BACKEND = "taiga.events.backends.{}.EventsPushBackend"
MESSAGE = {
    "session_id": "bench-session",
    "data": {"type": "change", "matches": "userstories.userstory", "pk": 123},
}
KEY = "changes.project.1.userstories.userstory"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f}"


def publish_cost(kind: str, url: str, events: int) -> list[float]:
    backend = backends.load_backend(BACKEND.format(kind), url)
    for _ in range(min(200, events)):
        backend.emit_event(MESSAGE, routing_key=KEY)
    times = []
    for _ in range(events):
        started = time.perf_counter()
        backend.emit_event(MESSAGE, routing_key=KEY)
        times.append(time.perf_counter() - started)
    backend.close()
    return times


def caller_cost(kind: str, url: str, events: int) -> tuple[list[float], float]:
    """Per-call cost of emit_event, and the events/s the whole batch took to leave."""
    with override_settings(EVENTS_PUSH_BACKEND=BACKEND.format(kind), EVENTS_PUSH_BACKEND_URL=url):
        emit_event(KEY, MESSAGE["data"], on_commit=False)
        backends.flush(60)
        times = []
        started_all = time.perf_counter()
        for _ in range(events):
            started = time.perf_counter()
            emit_event(KEY, MESSAGE["data"], session_id="bench-session", on_commit=False)
            times.append(time.perf_counter() - started)
        assert backends.flush(120), "the sender did not drain"
        rate = events / (time.perf_counter() - started_all)
    return times, rate


def connection_per_event(url: str, events: int) -> list[float]:
    """The original taiga-back: connect, declare, publish, close, for every event."""

    async def run() -> list[float]:
        times = []
        body = aio_pika.Message(b'{"session_id":null,"data":{}}')
        for _ in range(events):
            started = time.perf_counter()
            connection = await aio_pika.connect(url)
            channel = await connection.channel()
            exchange = await channel.declare_exchange(
                "events", aio_pika.ExchangeType.TOPIC, durable=False, auto_delete=True
            )
            await exchange.publish(body, routing_key=KEY)
            await connection.close()
            times.append(time.perf_counter() - started)
        return times

    return asyncio.run(run())


def http_throughput(configs: dict[str, tuple[str, str]], requests: int, rounds: int) -> dict:
    owner = User.objects.create_user(username=f"bench{time.time_ns()}", password="x")
    project = project_services.create_project(owner=owner, name=f"Bench {time.time_ns()}")
    status = project.us_statuses.first()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {issue_access_token(owner)}")
    body = {"project": project.pk, "subject": "Benchmark story", "status": status.pk}
    spent = dict.fromkeys(configs, 0.0)
    per_round = max(1, requests // rounds)
    for _ in range(rounds):
        for name, (path, url) in configs.items():
            with override_settings(EVENTS_PUSH_BACKEND=path, EVENTS_PUSH_BACKEND_URL=url):
                started = time.perf_counter()
                for _ in range(per_round):
                    response = client.post(
                        "/api/v1/userstories",
                        body,
                        content_type="application/json",
                        HTTP_X_SESSION_ID="bench",
                    )
                    assert response.status_code == 201, response.content
                spent[name] += time.perf_counter() - started
                backends.flush(60)
    return {name: per_round * rounds / seconds for name, seconds in spent.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline-events", type=int, default=300)
    parser.add_argument("--rabbitmq-url", default="amqp://guest:guest@127.0.0.1:5672/")
    parser.add_argument("--postgresql-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--write", action="store_true", help="update docs/BENCHMARKS.md")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    urls = {"memory": "", "postgresql": args.postgresql_url, "rabbitmq": args.rabbitmq_url}

    rows = []
    for kind, url in urls.items():
        publish = publish_cost(kind, url, args.events)
        caller, rate = caller_cost(kind, url, args.events)
        rows.append(
            f"| {kind} | {ms(median(publish))} | {ms(percentile(publish, 99))} "
            f"| {ms(median(caller))} | {ms(percentile(caller, 99))} | {rate:,.0f} |"
        )
        print(rows[-1], flush=True)
    baseline = connection_per_event(args.rabbitmq_url, args.baseline_events)
    rows.append(
        f"| RabbitMQ, new connection per event (the original's way; {args.baseline_events} "
        f"events) | {ms(median(baseline))} | {ms(percentile(baseline, 99))} | | | "
        f"{len(baseline) / sum(baseline):,.0f} |"
    )
    print(rows[-1], flush=True)

    configs = {"events off": (BACKEND.format("null"), "")} | {
        kind: (BACKEND.format(kind), url) for kind, url in urls.items()
    }
    throughput = http_throughput(configs, args.requests, args.rounds)
    off = throughput["events off"]
    http_rows = [
        f"| {name} | {rate:,.0f} | {rate / off:.1%} |" for name, rate in throughput.items()
    ]
    print("\n".join(http_rows), flush=True)

    body = f"""
Per event, over {args.events:,} events each (ms). *publish*: one synchronous
`backend.emit_event` (RabbitMQ waits for the broker's publisher confirm; PostgreSQL runs
`pg_notify` on the backend's own connection). *caller*: what a request pays per event
(`emit_event`, which hands network backends' events to the background sender).
*drain rate*: events/s the sender publishes at (batched), from the first `emit_event` to
the last event sent.

| backend | publish median | publish p99 | caller median | caller p99 | drain rate (events/s) |
|---|---|---|---|---|---|
{chr(10).join(rows)}

`POST /api/v1/userstories` through the in-process Django test client, {args.rounds} interleaved
rounds of {max(1, args.requests // args.rounds)} requests per configuration (the database is
{django.conf.settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]}):

| events | requests/s | vs events off |
|---|---|---|
{chr(10).join(http_rows)}
"""
    print(body)
    if args.write:
        write_section("emission", "Emission: the cost of sending events from the backend", body)


if __name__ == "__main__":
    main()
