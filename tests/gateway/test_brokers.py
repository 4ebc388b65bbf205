"""The gateway's broker engines against the real servers: delivery, bad messages, outages."""

from __future__ import annotations

import asyncio
import uuid

import aio_pika
import orjson
import psycopg

from taiga_events.brokers.base import Broker
from taiga_events.brokers.postgresql import PostgresBroker
from taiga_events.brokers.rabbitmq import QUEUE_MAX_BYTES, RabbitMQBroker


class Inbox:
    """Collects delivered events; ``next()`` awaits the next one."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[str, dict]] = asyncio.Queue()

    def deliver(self, routing_key: str, envelope: dict, received_at: float) -> None:
        self.queue.put_nowait((routing_key, envelope))

    async def next(self) -> tuple[str, dict]:
        return await asyncio.wait_for(self.queue.get(), timeout=10)


async def _notify(url: str, payload: str) -> None:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as connection:
        await connection.execute("SELECT pg_notify('events', %s)", (payload,))


async def _started(broker: Broker, inbox: Inbox) -> Broker:
    await broker.start(inbox.deliver)
    assert broker.connected
    return broker


async def test_postgresql_drops_bad_notifications_and_goes_on(postgresql_url: str) -> None:
    inbox = Inbox()
    broker = await _started(PostgresBroker(postgresql_url), inbox)
    tag = uuid.uuid4().hex
    try:
        for bad in ("not json", "[]", '{"data": {}}', '{"routing_key": "", "data": {}}'):
            await _notify(postgresql_url, bad)
        good = {"routing_key": "notifications", "session_id": tag, "data": {"title": "t"}}
        await _notify(postgresql_url, orjson.dumps(good).decode())
        assert await inbox.next() == ("notifications", {"session_id": tag, "data": {"title": "t"}})
        assert broker.dropped == 4
    finally:
        await broker.close()


async def test_postgresql_listener_comes_back_after_losing_its_connection(
    postgresql_url: str,
) -> None:
    inbox = Inbox()
    broker = PostgresBroker(postgresql_url, reconnect_delay=0.05)
    await _started(broker, inbox)
    try:
        async with await psycopg.AsyncConnection.connect(postgresql_url, autocommit=True) as admin:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'taiga-events'"
            )
            # Notify until the listener is back: each attempt is awaited, none is a guess.
            tag = uuid.uuid4().hex
            payload = orjson.dumps({"routing_key": "notifications", "session_id": tag, "data": {}})
            while True:
                await admin.execute("SELECT pg_notify('events', %s)", (payload.decode(),))
                try:
                    routing_key, envelope = await asyncio.wait_for(inbox.queue.get(), timeout=0.2)
                except TimeoutError:
                    continue
                break
        assert (routing_key, envelope["session_id"]) == ("notifications", tag)
        assert broker.connected
    finally:
        await broker.close()


async def test_rabbitmq_drops_bad_messages_and_goes_on(rabbitmq_url: str) -> None:
    inbox = Inbox()
    broker = await _started(RabbitMQBroker(rabbitmq_url), inbox)
    key = f"changes.project.{uuid.uuid4().int % 10**9}.tasks.task"
    try:
        connection = await aio_pika.connect(rabbitmq_url)
        async with connection:
            channel = await connection.channel()
            exchange = await channel.declare_exchange(
                "events", aio_pika.ExchangeType.TOPIC, durable=False, auto_delete=True
            )
            for bad in (b"\xff", b"null", b'{"session_id": 1, "data": {}}'):
                await exchange.publish(aio_pika.Message(bad), routing_key=key)
            good = {"session_id": "s", "data": {"pk": 1}, "future_field": True}
            await exchange.publish(aio_pika.Message(orjson.dumps(good)), routing_key=key)
        # Other tests' events may share the exchange: skip them.
        while (received := await inbox.next())[0] != key:
            pass
        # Its offset in the stream is its position, in the stream's history.
        assert isinstance(received[1].pop("position"), int)
        assert received[1].pop("epoch") == broker._epoch
        assert received == (key, good)
        assert broker.dropped >= 3
    finally:
        await broker.close()
    assert not broker.connected


async def test_rabbitmq_queue_is_bounded_and_drops_its_oldest(rabbitmq_url: str) -> None:
    # Without the stream, a gateway has a queue of its own. A gateway that stops reading
    # cannot grow RabbitMQ's memory, and publishers are not refused because of it. The
    # broker itself says how the queue it holds was declared.
    bound = 10_000 + uuid.uuid4().int % 20_000
    broker = RabbitMQBroker(rabbitmq_url, stream=None, queue_max_length=bound)
    broker = await _started(broker, Inbox())
    try:
        process = await asyncio.create_subprocess_exec(
            *("rabbitmqctl", "list_queues", "--quiet", "--formatter", "json"),
            *("name", "arguments"),
            stdout=asyncio.subprocess.PIPE,
        )
        listing, _ = await asyncio.wait_for(process.communicate(), timeout=120)
        declared = [
            {name: value for name, _, value in queue["arguments"]}
            for queue in orjson.loads(listing)
        ]
        [ours] = [arguments for arguments in declared if arguments.get("x-max-length") == bound]
        assert ours["x-overflow"] == "drop-head"
        assert ours["x-max-length-bytes"] == QUEUE_MAX_BYTES
    finally:
        await broker.close()
