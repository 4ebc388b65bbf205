"""RabbitMQ's stream across its segments, against the real server.

A stream is a series of segment files; RabbitMQ starts each new one with chunks of its
own, which take offsets too, so the offsets of consecutive messages are not always
consecutive. Retention drops whole segments, oldest first. Tiny segments
(``x-stream-max-segment-size-bytes``) bring both about with a few messages.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import aio_pika
import orjson
import pytest
from websockets.exceptions import ConnectionClosed

from taiga_events.brokers.rabbitmq import RabbitMQBroker
from taiga_events.brokers.stream import EXCHANGE, StreamSettings
from taiga_events.brokers.stream import declare as declare_stream
from tests.gateway.test_brokers import Inbox
from tests.gateway.test_resilience import _subscribed

BODY = orjson.dumps({"session_id": None, "data": {"pad": "x" * 200}})


@pytest.fixture
async def segmented(rabbitmq_url: str) -> AsyncIterator[StreamSettings]:
    """A stream of its own in segments of about two messages, deleted afterwards."""
    stream = StreamSettings(name=f"test.events.{uuid.uuid4().hex[:12]}")
    connection = await aio_pika.connect(rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        arguments = {**stream.arguments, "x-stream-max-segment-size-bytes": 500}
        await channel.declare_queue(stream.name, durable=True, arguments=arguments)
    yield stream
    connection = await aio_pika.connect(rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        for name in (stream.name, f"{stream.name}.epoch"):
            await channel.queue_delete(name)


async def _publish(url: str, stream: StreamSettings, routing_key: str, count: int) -> None:
    """``count`` events, each confirmed before the next (a chunk each)."""
    connection = await aio_pika.connect(url)
    async with connection:
        await declare_stream(connection, stream)
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(EXCHANGE)
        for _ in range(count):
            await exchange.publish(aio_pika.Message(BODY), routing_key=routing_key)


async def test_events_are_read_back_across_segments(
    rabbitmq_url: str, segmented: StreamSettings
) -> None:
    inbox = Inbox()
    broker = RabbitMQBroker(rabbitmq_url, stream=segmented)
    await broker.start(inbox.deliver)
    try:
        await _publish(rabbitmq_url, segmented, "notifications", 12)
        positions = [(await inbox.next())[1]["position"] for _ in range(12)]
        assert positions != list(range(positions[0], positions[0] + 12))  # segments began
        for index, after in enumerate(positions[:-1]):
            found = await broker.read_back(after, 100)
            assert found is not None, f"after {after} of {positions}"
            assert [past.position for past in found] == positions[index + 1 :]
    finally:
        await broker.close()


async def _close_gateway_connections() -> None:
    """Close the gateway's connection to RabbitMQ from the server's side (found by its
    name, closed by its process)."""
    listed = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "-q", "list_connections", "pid", "client_properties",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(listed.communicate(), timeout=60)
    pids = [line.split("\t")[0] for line in output.decode().splitlines() if "taiga-events@" in line]
    assert pids, "the gateway has no connection to RabbitMQ"
    for pid in pids:
        closing = await asyncio.create_subprocess_exec(
            "rabbitmqctl", "close_connection", pid, "cut by a test",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        assert await asyncio.wait_for(closing.wait(), timeout=60) == 0


async def test_events_dropped_by_retention_while_the_link_is_down_make_clients_fetch_again(
    rabbitmq_url: str, segmented: StreamSettings, gateway_factory
) -> None:
    # The link stays down long enough for the stream's retention to drop what the gateway
    # had not read: its clients missed those without knowing.
    small = StreamSettings(name=segmented.name, max_bytes=1500)
    connection = await aio_pika.connect(rabbitmq_url)
    async with connection:
        policy = {"x-max-length-bytes": small.max_bytes}
        channel = await connection.channel()
        await channel.queue_delete(segmented.name)
        arguments = {**small.arguments, "x-stream-max-segment-size-bytes": 500, **policy}
        await channel.declare_queue(segmented.name, durable=True, arguments=arguments)
    retry = {"reconnect_delay": 3.0, "max_reconnect_delay": 3.0}
    gateway = await gateway_factory(RabbitMQBroker(rabbitmq_url, stream=small, **retry))
    key = f"changes.project.{uuid.uuid4().int % 10**9}.tasks.task"
    gateway.backend.grant(int(key.split(".")[2]), 1)
    client = await _subscribed(gateway, key)
    await _publish(rabbitmq_url, small, key, 1)
    first = await client.recv()
    await _close_gateway_connections()
    await _publish(rabbitmq_url, small, key, 30)  # far more than the stream keeps
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await client.recv()  # those still kept may come first
    assert closed.value.rcvd.code == 4001
    again = await gateway.client()
    await again.auth(1)
    since = {"position": first["position"], "epoch": first["epoch"]}
    reply = await again.send(cmd="subscribe", routing_key=key, since=since)
    assert (reply["recovered"], reply["reason"]) == (False, "too_old")


async def test_a_client_resumes_from_any_position_across_segments(
    rabbitmq_url: str, segmented: StreamSettings, gateway_factory
) -> None:
    # A window of 2: most resumes read the stream back, across offsets that skip.
    gateway = await gateway_factory(RabbitMQBroker(rabbitmq_url, stream=segmented), history_size=2)
    key = f"changes.project.{uuid.uuid4().int % 10**9}.tasks.task"
    gateway.backend.grant(int(key.split(".")[2]), 1)
    client = await _subscribed(gateway, key)
    await _publish(rabbitmq_url, segmented, key, 8)
    positions = [(await client.recv())["position"] for _ in range(8)]
    epoch = gateway.running.gateway.history.epoch
    for index, position in enumerate(positions[:-1]):
        again = await gateway.client()
        await again.auth(1)
        since = {"position": position, "epoch": epoch}
        reply = await again.send(cmd="subscribe", routing_key=key, since=since)
        assert reply["recovered"], (position, positions, reply)
        replayed = [(await again.recv())["position"] for _ in positions[index + 1 :]]
        assert replayed == positions[index + 1 :]
        await again.ws.close()
