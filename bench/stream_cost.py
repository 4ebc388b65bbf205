"""What RabbitMQ's stream costs against a queue: broker latency and broker CPU per message.

    .venv/bin/python bench/stream_cost.py [--rate 1000] [--messages 10000] [--rounds 3]

The gateway reads the ``events`` exchange's stream (positions, resuming) where it used to
read a queue of its own (no positions). This measures the broker alone, with no gateway and
no WebSocket clients: messages of the size of an event are published at ``--rate`` to a
topic exchange of the benchmark's own, and consumed in the same process, either from an
exclusive queue bound with ``#`` (no acknowledgements, as the gateway did) or from a stream
bound with ``#`` (prefetch and acknowledgements in batches, as the gateway does). Each
message carries its send time, so the latency is publish to consume. The two alternate,
``--rounds`` times each. RabbitMQ's CPU is read from ``/proc`` (``beam.smp`` on this
machine). The benchmark's stream is deleted after each round.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from pathlib import Path

import aio_pika
import orjson
import uvloop
from aiormq.abc import DeliveredMessage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fanout import process_cpu_seconds, rabbitmq_pid
from bench.report import percentile
from taiga_events.brokers.rabbitmq import ACK_EVERY_SECONDS, PREFETCH

EXCHANGE = "bench.stream-cost"
STREAM = "bench.stream-cost"
KEY = "changes.project.1.userstories.userstory"


async def run_path(args: argparse.Namespace, connection, path: str) -> dict:
    """Publish ``--messages`` at ``--rate`` and consume them from ``path`` (queue or stream)."""
    channel = await connection.channel()
    exchange = await channel.declare_exchange(
        EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=False, auto_delete=True
    )
    consumer = await (await connection.channel()).get_underlay_channel()
    latencies: list[float] = []
    done = asyncio.Event()

    def received(message: DeliveredMessage) -> None:
        latencies.append((time.perf_counter() - orjson.loads(message.body)["data"]["sent"]) * 1000)
        if len(latencies) == args.messages:
            done.set()

    if path == "queue":
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, "#")

        async def on_queue(message: DeliveredMessage) -> None:
            received(message)

        await consumer.basic_consume(queue.name, on_queue, no_ack=True)
    else:
        stream = await channel.declare_queue(
            STREAM, durable=True, arguments={"x-queue-type": "stream", "x-max-age": "1h"}
        )
        await stream.bind(exchange, "#")
        await consumer.basic_qos(prefetch_count=PREFETCH)
        newest = acked = 0

        async def acknowledge() -> None:
            nonlocal acked
            while not done.is_set():
                await asyncio.sleep(ACK_EVERY_SECONDS)
                if newest != acked:  # a tag acknowledged twice closes the channel
                    acked = newest
                    await consumer.basic_ack(newest, multiple=True)

        async def on_stream(message: DeliveredMessage) -> None:
            nonlocal newest
            newest = message.delivery_tag
            received(message)

        await consumer.basic_consume(STREAM, on_stream, arguments={"x-stream-offset": "next"})
        acking = asyncio.get_running_loop().create_task(acknowledge())

    publisher = await connection.channel(publisher_confirms=False)
    target = await publisher.get_exchange(EXCHANGE)
    beam = rabbitmq_pid()
    cpu_before = process_cpu_seconds(beam)
    started = time.perf_counter()
    for sequence in range(args.messages):
        delay = started + sequence / args.rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        data = {"type": "change", "pk": sequence, "sent": time.perf_counter(), "pad": "x" * 200}
        body = orjson.dumps({"session_id": None, "data": data})
        await target.publish(aio_pika.Message(body), routing_key=KEY)
    await asyncio.wait_for(done.wait(), timeout=args.messages / args.rate + 30)
    cpu = None if beam is None else process_cpu_seconds(beam) - cpu_before
    if path == "stream":
        await acking
    await consumer.close()
    if path == "stream":
        # Gone before the next round: still bound, it would take the queue's messages too.
        await channel.queue_delete(STREAM)
    await channel.close()
    await publisher.close()
    return {
        "path": path,
        "latency_ms": {
            name: round(percentile(latencies, p), 3)
            for name, p in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100))
        },
        "rabbitmq_cpu_us_per_message": None if cpu is None else round(cpu / args.messages * 1e6),
    }


async def main(args: argparse.Namespace) -> list[dict]:
    connection = await aio_pika.connect(args.broker_url)
    results = []
    try:
        for _ in range(args.rounds):
            for path in ("queue", "stream"):
                result = await run_path(args, connection, path)
                print(json.dumps(result), flush=True)
                results.append(result)
    finally:
        with contextlib.suppress(aio_pika.exceptions.AMQPError):
            await (await connection.channel()).queue_delete(STREAM)
        await connection.close()
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--broker-url", default="amqp://guest:guest@127.0.0.1:5672/")
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="append each result to this JSON-lines file")
    arguments = parser.parse_args()
    summaries = uvloop.run(main(arguments))
    if arguments.json:
        with arguments.json.open("a") as output:
            output.writelines(json.dumps(summary) + "\n" for summary in summaries)
