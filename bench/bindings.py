"""One ``#`` binding or one binding per pattern: what each costs, on the real broker.

    .venv/bin/python bench/bindings.py [--messages 20000] [--rate 2000] [--patterns 1000]

The gateway binds its queue with ``#``: it receives every event and drops, once decoded,
those that none of its clients follows. Binding each subscribed pattern instead would let
RabbitMQ drop them, at the price of a broker round trip for every new pattern (before its
``subscribe`` may be acknowledged), of re-binding every pattern after each reconnection, and
of a bigger routing table in the broker. Measured here:

1. the gateway's CPU per message that none of its clients follows (a gateway with none);
2. RabbitMQ's CPU per message published to the topic exchange and routed to a queue bound
   with ``#``, then to a queue bound with ``--patterns`` patterns that the messages do not
   match (what a gateway's per-pattern queue costs the broker for an unwanted message);
3. the time to bind ``--patterns`` patterns, one round trip each, as after a reconnection.

RabbitMQ's CPU is read from ``/proc`` (its ``beam.smp`` process on this machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import urllib.request
from pathlib import Path

import aio_pika
import orjson
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fanout import KEY, process_cpu_seconds, rabbitmq_pid, spawn_gateway

RECEIVED = "taiga_events_events_received_total"


def events_received(metrics_url: str) -> float:
    with urllib.request.urlopen(metrics_url, timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(RECEIVED):
                return float(line.split()[1])
    return 0.0


async def publish(url: str, messages: int, rate: float, first_project: int) -> None:
    """``messages`` events at ``rate``, to projects from ``first_project`` on, each confirmed."""
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange(
            "events", aio_pika.ExchangeType.TOPIC, durable=False, auto_delete=True
        )
        body = orjson.dumps({"session_id": None, "data": {"type": "change", "pk": 1}})
        started = time.perf_counter()
        for sequence in range(messages):
            delay = started + sequence / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            key = KEY.format(first_project + sequence % 1000)
            await exchange.publish(aio_pika.Message(body), routing_key=key)


async def gateway_cost(args: argparse.Namespace) -> float:
    """Gateway CPU µs per message none of its clients follows."""
    gateway = spawn_gateway(args)
    try:
        before = process_cpu_seconds(gateway.pid)
        await publish(args.broker_url, args.messages, args.rate, 0)
        while events_received(args.metrics_url) < args.messages:
            await asyncio.sleep(0.05)
        return (process_cpu_seconds(gateway.pid) - before) / args.messages * 1e6
    finally:
        gateway.terminate()
        gateway.wait(timeout=30)


async def broker_cost(args: argparse.Namespace, patterns: int) -> tuple[float | None, float]:
    """RabbitMQ CPU µs per message with a queue bound by ``#`` (patterns=0) or by
    ``patterns`` patterns none of the messages match; and seconds to bind them."""
    beam = rabbitmq_pid()
    connection = await aio_pika.connect(args.broker_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            "events", aio_pika.ExchangeType.TOPIC, durable=False, auto_delete=True
        )
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        started = time.perf_counter()
        for project in range(patterns):
            await queue.bind(exchange, routing_key=f"changes.project.{project}.#")
        bind_seconds = time.perf_counter() - started
        received = 0
        done = asyncio.Event()

        async def count(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal received
            received += 1
            if received == args.messages:
                done.set()

        if not patterns:
            await queue.bind(exchange, routing_key="#")
            await queue.consume(count, no_ack=True)
        before = process_cpu_seconds(beam)
        # Projects from `patterns` on: no pattern matches them.
        await publish(args.broker_url, args.messages, args.rate, patterns)
        if not patterns:
            await asyncio.wait_for(done.wait(), timeout=60)
        after = process_cpu_seconds(beam)
    cost = None if beam is None else (after - before) / args.messages * 1e6
    return cost, bind_seconds


async def main(args: argparse.Namespace) -> dict:
    gateway = await gateway_cost(args)
    hash_cost, _ = await broker_cost(args, 0)
    patterns_cost, bind_seconds = await broker_cost(args, args.patterns)
    return {
        "messages": args.messages,
        "rate": args.rate,
        "gateway_cpu_us_per_unwanted_message": round(gateway, 1),
        "rabbitmq_cpu_us_per_message_hash_binding": None
        if hash_cost is None
        else round(hash_cost, 1),
        "rabbitmq_cpu_us_per_message_pattern_bindings": None
        if patterns_cost is None
        else round(patterns_cost, 1),
        "patterns": args.patterns,
        "seconds_to_bind_patterns": round(bind_seconds, 3),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--broker-url", default="amqp://guest:guest@127.0.0.1:5672/")
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=2000)
    parser.add_argument("--patterns", type=int, default=1000)
    parser.add_argument("--gateway-source", type=Path)
    parser.add_argument("--json", type=Path, help="append the summary to this JSON-lines file")
    arguments = parser.parse_args()
    arguments.broker = "rabbitmq"
    arguments.secret = "bindings-benchmark-secret-long-enough-for-hs256"
    summary = uvloop.run(main(arguments))
    print(json.dumps(summary, indent=2))
    if arguments.json:
        with arguments.json.open("a") as output:
            output.write(json.dumps(summary) + "\n")
