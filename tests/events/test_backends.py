"""The PostgreSQL and RabbitMQ push backends against the real servers."""

from __future__ import annotations

import asyncio
import multiprocessing
import subprocess
import uuid

import aio_pika
import orjson
import psycopg

from taiga.events import backends
from taiga.events.backends import load_backend

PG = "taiga.events.backends.postgresql.EventsPushBackend"
RABBIT = "taiga.events.backends.rabbitmq.EventsPushBackend"


def test_postgresql_notifies_events_with_the_routing_key(postgresql_url: str) -> None:
    backend = load_backend(PG, postgresql_url)
    tag = uuid.uuid4().hex
    with psycopg.connect(postgresql_url, autocommit=True) as listener:
        listener.execute("LISTEN events")
        backend.emit_event({"session_id": tag, "data": {"n": 1}}, routing_key="notifications")
        backend.emit_event({"session_id": tag, "data": {"n": 2}}, routing_key="notifications")
        received = [orjson.loads(n.payload) for n in listener.notifies(timeout=10, stop_after=2)]
    backend.close()
    # Numbered one after the other in one history, so that gateways can resume clients.
    positions = [payload.pop("position") for payload in received]
    assert positions[1] == positions[0] + 1
    assert len({payload.pop("epoch") for payload in received}) == 1
    assert received == [
        {"routing_key": "notifications", "session_id": tag, "data": {"n": 1}},
        {"routing_key": "notifications", "session_id": tag, "data": {"n": 2}},
    ]


def test_postgresql_splits_a_bulk_event_over_the_payload_limit(postgresql_url: str) -> None:
    backend = load_backend(PG, postgresql_url)
    pks = list(range(1_000_000, 1_005_000))
    tag = uuid.uuid4().hex
    data = {"type": "change", "matches": "userstories.userstory", "pk": pks}
    collected: list[int] = []
    with psycopg.connect(postgresql_url, autocommit=True) as listener:
        listener.execute("LISTEN events")
        backend.emit_event(
            {"session_id": tag, "data": data}, routing_key="changes.project.1.userstories.userstory"
        )
        for notification in listener.notifies(timeout=10):
            assert len(notification.payload.encode()) < 8000
            payload = orjson.loads(notification.payload)
            assert payload["session_id"] == tag
            collected.extend(payload["data"]["pk"])
            if len(collected) >= len(pks):
                break
    backend.close()
    assert collected == pks


def test_postgresql_reconnects_after_losing_its_connection(postgresql_url: str) -> None:
    backend = load_backend(PG, postgresql_url)
    backend.emit_event({"session_id": None, "data": {}}, routing_key="notifications")
    with psycopg.connect(postgresql_url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE pid <> pg_backend_pid() AND application_name = '' AND query LIKE %s",
            ("%pg_notify%",),
        )
        admin.execute("LISTEN events")
        backend.emit_event({"session_id": "after", "data": {}}, routing_key="notifications")
        (notification,) = list(admin.notifies(timeout=10, stop_after=1))
    backend.close()
    assert orjson.loads(notification.payload)["session_id"] == "after"


def test_rabbitmq_publishes_on_the_original_exchange(rabbitmq_url: str, settings) -> None:
    # A stream of its own: the shared one may be large, and slow to come back after the
    # RabbitMQ restarts of other tests.
    settings.EVENTS_RABBITMQ_STREAM_NAME = f"test.events.{uuid.uuid4().hex[:12]}"
    backend = load_backend(RABBIT, rabbitmq_url)
    tag = uuid.uuid4().hex

    async def consume() -> list[tuple[str, dict]]:
        connection = await aio_pika.connect(rabbitmq_url)
        async with connection:
            channel = await connection.channel()
            # Declaring with the original flags succeeds only if they match the backend's.
            exchange = await channel.declare_exchange(
                "events", aio_pika.ExchangeType.TOPIC, durable=False, auto_delete=True
            )
            queue = await channel.declare_queue(exclusive=True)
            await queue.bind(exchange, routing_key=f"changes.project.{tag}.#")
            await asyncio.to_thread(
                backend.emit_event,
                {"session_id": "s", "data": {"n": 1}},
                routing_key=f"changes.project.{tag}.tasks.task",
            )
            await asyncio.to_thread(
                backend.emit_event,
                {"session_id": "s", "data": {"n": 2}},
                routing_key=f"changes.project.{tag}.tasks.task",
            )
            received = []
            async with queue.iterator(timeout=10) as messages:
                async for message in messages:
                    received.append((message.routing_key, orjson.loads(message.body)))
                    await message.ack()
                    if len(received) == 2:
                        break
            return received

    connection_before = None
    try:
        received = asyncio.run(consume())
        connection_before = backend._connection
        backend.emit_event({"session_id": None, "data": {}}, routing_key="notifications")
        assert backend._connection is connection_before  # one long-lived connection
    finally:
        backend.close()
        stream = settings.EVENTS_RABBITMQ_STREAM_NAME
        for name in (stream, f"{stream}.epoch"):
            subprocess.run(["rabbitmqctl", "delete_queue", name], capture_output=True, timeout=60)
    assert received == [
        (f"changes.project.{tag}.tasks.task", {"session_id": "s", "data": {"n": 1}}),
        (f"changes.project.{tag}.tasks.task", {"session_id": "s", "data": {"n": 2}}),
    ]


def test_a_forked_child_gets_its_own_connection(postgresql_url: str, settings) -> None:
    settings.EVENTS_PUSH_BACKEND = PG
    settings.EVENTS_PUSH_BACKEND_URL = postgresql_url
    tag = uuid.uuid4().hex
    with psycopg.connect(postgresql_url, autocommit=True) as listener:
        listener.execute("LISTEN events")
        backends.publish("notifications", {"session_id": tag, "data": {"from": "parent"}})
        assert backends.flush(timeout=10)
        child = multiprocessing.get_context("fork").Process(target=_publish_from_child, args=(tag,))
        child.start()
        child.join(timeout=30)
        assert child.exitcode == 0
        backends.publish("notifications", {"session_id": tag, "data": {"from": "parent again"}})
        assert backends.flush(timeout=10)
        received = [orjson.loads(n.payload) for n in listener.notifies(timeout=10, stop_after=3)]
    assert [r["data"]["from"] for r in received] == ["parent", "child", "parent again"]


def _publish_from_child(tag: str) -> None:
    backends.publish("notifications", {"session_id": tag, "data": {"from": "child"}})
    if not backends.flush(timeout=10):
        raise SystemExit(1)
