"""Broker outages against the real servers: clients are kept and delivery resumes.

RabbitMQ is really stopped and started again (``rabbitmqctl stop_app``/``start_app``,
always restored); PostgreSQL is "down" as a database that does not exist yet, and cut by
terminating the listener's backend.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import orjson
import psycopg
import pytest
from websockets.exceptions import ConnectionClosed

from taiga.events.backends import load_backend
from taiga_events.brokers import pg_history
from taiga_events.brokers.postgresql import PostgresBroker
from taiga_events.brokers.rabbitmq import RabbitMQBroker
from taiga_events.brokers.stream import StreamSettings
from taiga_events.brokers.stream import declare as declare_stream
from tests.gateway.conftest import Client, GatewayUnderTest, until

FAST_RETRY = {"reconnect_delay": 0.05, "max_reconnect_delay": 0.5}


async def _rabbitmqctl(command: str) -> None:
    process = await asyncio.create_subprocess_exec(
        "rabbitmqctl", command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, stderr.decode()


@contextlib.asynccontextmanager
async def rabbitmq_stopped() -> AsyncIterator[None]:
    """RabbitMQ's application stopped for the duration; started again whatever happens."""
    await _rabbitmqctl("stop_app")
    try:
        yield
    finally:
        await _rabbitmqctl("start_app")


async def _publish(url: str, routing_key: str, **data: object) -> None:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            "events", aio_pika.ExchangeType.TOPIC, durable=False, auto_delete=True
        )
        body = orjson.dumps({"session_id": None, "data": data})
        await exchange.publish(aio_pika.Message(body), routing_key=routing_key)


async def _subscribed(gateway: GatewayUnderTest, routing_key: str) -> Client:
    client = await gateway.client()
    await client.auth(1)
    assert (await client.subscribe(routing_key))["cmd"] == "ack"
    return client


def _unique_key() -> str:
    return f"changes.project.{uuid.uuid4().int % 10**9}.tasks.task"


async def test_rabbitmq_down_at_start_up_then_lost_mid_stream(
    rabbitmq_url: str, gateway_factory, caplog
) -> None:
    key = _unique_key()
    project_id = int(key.split(".")[2])
    async with rabbitmq_stopped():
        gateway = await gateway_factory(RabbitMQBroker(rabbitmq_url, **FAST_RETRY))
        gateway.backend.grant(project_id, 1)
        health = await gateway.health_becomes(503)
        assert health["reason"].startswith("rabbitmq link is down: ")
        # Clients are served while the broker is away.
        client = await _subscribed(gateway, key)
    await gateway.health_becomes(200)
    await _publish(rabbitmq_url, key, pk=1)
    assert (await client.recv())["data"] == {"pk": 1}

    caplog.clear()
    async with rabbitmq_stopped():
        await gateway.health_becomes(503)
        assert (await client.send(cmd="ping"))["cmd"] == "pong"
    await gateway.health_becomes(200)
    # One WARNING with its cause when lost, one with its length when back; nothing else.
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name == "taiga_events.brokers.base" and r.levelno >= logging.WARNING
    ]
    assert len(warnings) == 2, warnings
    assert warnings[0].startswith("rabbitmq link lost, reconnecting: ")
    assert "CONNECTION_FORCED" in warnings[0]
    assert re.fullmatch(r"rabbitmq link re-established after \d+\.\d s", warnings[1])
    # The queue and its binding were declared again: delivery resumes, same client.
    await _publish(rabbitmq_url, key, pk=2)
    assert (await client.recv())["data"] == {"pk": 2}
    assert gateway.running.broker.reconnects == 1


async def test_postgresql_events_expired_while_the_link_is_down_make_clients_fetch_again(
    postgresql_url: str, missing_database: tuple[str, str], gateway_factory, caplog
) -> None:
    name, url = missing_database
    async with await psycopg.AsyncConnection.connect(postgresql_url, autocommit=True) as admin:
        await admin.execute(f"CREATE DATABASE {name}")
    publisher = load_backend("taiga.events.backends.postgresql.EventsPushBackend", url)
    gateway = await gateway_factory(PostgresBroker(url, **FAST_RETRY))
    client = await _subscribed(gateway, "notifications")

    def publish(n: int) -> None:
        publisher.emit_event({"session_id": None, "data": {"n": n}}, routing_key="notifications")

    await asyncio.to_thread(publish, 0)
    first = await client.recv()
    async with (
        await psycopg.AsyncConnection.connect(url, autocommit=True) as database,
        await psycopg.AsyncConnection.connect(postgresql_url, autocommit=True) as admin,
    ):
        await _keep_the_gateway_out(admin, name, gateway)
        for n in (1, 2, 3):
            await asyncio.to_thread(publish, n)
        await database.execute(pg_history.EXPIRE, [0])  # 1 and 2 are gone, unread
        await admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
    # The client missed them without knowing: it is closed, so that it resumes...
    with pytest.raises(ConnectionClosed) as closed:
        await client.recv()
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4001, "events were lost: resume")
    assert any("events 1 to 2 were lost" in r.getMessage() for r in caplog.records)
    _, metrics = await gateway.get("/metrics")
    assert "taiga_events_history_losses_total 1.0" in metrics
    # ... and learns that it cannot: it fetches again.
    again = await gateway.client()
    await again.auth(1)
    since = {"position": first["position"], "epoch": first["epoch"]}
    reply = await again.send(cmd="subscribe", routing_key="notifications", since=since)
    assert (reply["recovered"], reply["reason"]) == (False, "too_old")
    await asyncio.to_thread(publisher.close)


async def test_a_stream_deleted_under_the_gateway_is_declared_again_and_read(
    rabbitmq_url: str, gateway_factory, caplog
) -> None:
    # RabbitMQ cancels the consumer of a deleted queue and the link stays up: unnoticed,
    # the gateway would deliver nothing again, with /healthz saying ok.
    stream = StreamSettings(name=f"test.events.{uuid.uuid4().hex[:12]}")
    # Slow enough to come back after the publisher has made the stream again.
    retry = {"reconnect_delay": 2.0, "max_reconnect_delay": 2.0}
    try:
        gateway = await gateway_factory(RabbitMQBroker(rabbitmq_url, stream=stream, **retry))
        key = _unique_key()
        gateway.backend.grant(int(key.split(".")[2]), 1)
        client = await _subscribed(gateway, key)
        await _publish(rabbitmq_url, key, pk=1)
        first = await client.recv()
        caplog.clear()
        connection = await aio_pika.connect(rabbitmq_url)
        async with connection:
            await (await connection.channel()).queue_delete(stream.name)
            await until(lambda: not gateway.running.broker.connected)
            # A publisher makes the stream again (a new one, a new epoch) and publishes,
            # each event confirmed before the next: chunks of their own, all before the
            # gateway is back.
            await declare_stream(connection, stream)
            channel = await connection.channel(publisher_confirms=True)
            exchange = await channel.get_exchange("events")
            for pk in (2, 3, 4):
                body = orjson.dumps({"session_id": None, "data": {"pk": pk}})
                await exchange.publish(aio_pika.Message(body), routing_key=key)
        assert not gateway.running.broker.connected
        again = [await client.recv() for _ in range(3)]
        assert [(e["data"]["pk"], e["position"]) for e in again] == [(2, 0), (3, 1), (4, 2)]
        assert {e["epoch"] for e in again} != {first["epoch"]}
        lost = [r.getMessage() for r in caplog.records if r.name == "taiga_events.brokers.base"]
        assert f"RabbitMQ cancelled the consumer of {stream.name!r}" in lost[0]
    finally:
        connection = await aio_pika.connect(rabbitmq_url)
        async with connection:
            channel = await connection.channel()
            for name in (stream.name, f"{stream.name}.epoch"):
                await channel.queue_delete(name)


async def _keep_the_gateway_out(
    admin: psycopg.AsyncConnection, name: str, gateway: GatewayUnderTest
) -> None:
    """Cut the gateway's link to database ``name`` and let no new connection in (those
    already open, the publisher's, stay) until ``ALLOW_CONNECTIONS`` is true again."""
    await admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
    await admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %s AND application_name = 'taiga-events'",
        (name,),
    )
    await gateway.health_becomes(503)


@pytest.fixture
async def missing_database(postgresql_url: str) -> AsyncIterator[tuple[str, str]]:
    """The name and URL of a database that does not exist yet; dropped afterwards."""
    name = f"taiga_events_test_{uuid.uuid4().hex[:12]}"
    parts = urlsplit(postgresql_url)
    yield name, urlunsplit(parts._replace(path=f"/{name}"))
    async with await psycopg.AsyncConnection.connect(postgresql_url, autocommit=True) as admin:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def test_postgresql_down_at_start_up_then_cut_mid_stream(
    postgresql_url: str, missing_database: tuple[str, str], gateway_factory
) -> None:
    name, url = missing_database
    key = _unique_key()
    project_id = int(key.split(".")[2])
    broker = PostgresBroker(url, **FAST_RETRY)
    gateway = await gateway_factory(broker)
    gateway.backend.grant(project_id, 1)
    health = await gateway.health_becomes(503)
    assert health["reason"].startswith("postgresql link is down: ")
    assert "does not exist" in health["reason"]
    client = await _subscribed(gateway, key)

    async with await psycopg.AsyncConnection.connect(postgresql_url, autocommit=True) as admin:
        await admin.execute(f"CREATE DATABASE {name}")
    await gateway.health_becomes(200)
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as database:
        payload = {"routing_key": key, "session_id": None, "data": {"pk": 1}}
        await database.execute("SELECT pg_notify('events', %s)", (orjson.dumps(payload).decode(),))
        assert (await client.recv())["data"] == {"pk": 1}

        await database.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND application_name = 'taiga-events'",
            (name,),
        )
        await until(lambda: broker.reconnects == 1 and broker.connected)
        assert (await client.send(cmd="ping"))["cmd"] == "pong"
        payload["data"] = {"pk": 2}
        await database.execute("SELECT pg_notify('events', %s)", (orjson.dumps(payload).decode(),))
        assert (await client.recv())["data"] == {"pk": 2}


async def test_postgresql_events_published_while_the_link_is_down_are_caught_up(
    postgresql_url: str, missing_database: tuple[str, str], gateway_factory
) -> None:
    name, url = missing_database
    async with await psycopg.AsyncConnection.connect(postgresql_url, autocommit=True) as admin:
        await admin.execute(f"CREATE DATABASE {name}")
    publisher = load_backend("taiga.events.backends.postgresql.EventsPushBackend", url)
    broker = PostgresBroker(url, **FAST_RETRY)
    gateway = await gateway_factory(broker)
    client = await _subscribed(gateway, "notifications")

    def publish(n: int) -> None:
        publisher.emit_event({"session_id": None, "data": {"n": n}}, routing_key="notifications")

    await asyncio.to_thread(publish, 0)
    first = await client.recv()
    # Where the history stands (what acks and pongs tell clients they have everything up
    # to) is taken from the broker only once what it missed was delivered.
    told = broker.history_started
    window = gateway.running.gateway.history
    delivered_when_told: list[tuple[int | None, int]] = []

    def history_started(epoch: str, head: int | None) -> None:
        delivered_when_told.append((window.head, head))
        told(epoch, head)

    broker.history_started = history_started
    async with await psycopg.AsyncConnection.connect(postgresql_url, autocommit=True) as admin:
        # The gateway cannot come back until told; the publisher keeps its connection.
        await _keep_the_gateway_out(admin, name, gateway)
        for n in (1, 2):
            await asyncio.to_thread(publish, n)
        await admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
    # Delivered on reconnecting, in order, numbered after the first.
    missed = [await client.recv() for _ in range(2)]
    assert [(e["data"]["n"], e["position"]) for e in missed] == [
        (1, first["position"] + 1),
        (2, first["position"] + 2),
    ]
    assert {e["epoch"] for e in missed} == {first["epoch"]}
    assert (await client.send(cmd="ping"))["position"] == first["position"] + 2
    assert delivered_when_told == [(first["position"] + 2, first["position"] + 2)]
    # And they can be read back, to resume clients.
    found = await broker.read_back(first["position"], 10)
    assert [past.envelope["data"]["n"] for past in found] == [1, 2]
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as database:
        await database.execute(pg_history.EXPIRE, [0])  # all but the newest expired
    assert await broker.read_back(first["position"], 10) is None
    newest = await broker.read_back(first["position"] + 1, 10)
    assert [past.envelope["data"]["n"] for past in newest] == [2]
    await asyncio.to_thread(publisher.close)
