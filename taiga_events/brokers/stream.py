"""RabbitMQ's history of events: a durable stream queue bound to the ``events`` exchange.

Shared by the publisher (the backend's push backend) and the gateways. Either side may be
the first to reach RabbitMQ after it started, so both declare the exchange, the stream and
its ``#`` binding before anything else: the exchange keeps the original's flags
(``durable=False, auto_delete=True``) and is gone after a restart, taking the binding with
it, while the stream and what it holds survive. Every event published to the exchange, by
this backend or by the original taiga-back, is thus kept, and its offset in the stream is
its position.

The stream is created with the declaring side's retention (``x-max-age``,
``x-max-length-bytes``) only when it does not exist yet; otherwise it is used as it is, so
that settings that differ between sides never make a declaration fail.

The epoch, the name of one stream's history, is a random string kept as the one message of
the durable queue ``<stream>.epoch``, made anew whenever the stream is created (a deleted
stream's offsets start again at 0). It is read without consuming it. Two processes that
create the stream at the same instant may disagree on it until they reconnect: resuming
across them then answers ``recovered: false`` (the safe failure).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractQueue

EXCHANGE = "events"
DEFAULT_NAME = "events.stream"
PEEK_ATTEMPTS = 5


@dataclass(frozen=True)
class StreamSettings:
    """Which stream, and how much it keeps when it is created."""

    name: str = DEFAULT_NAME
    # RabbitMQ's duration format: 1h, 30m, 7D…
    max_age: str = "1h"
    max_bytes: int = 1_000_000_000

    @property
    def arguments(self) -> dict[str, object]:
        return {
            "x-queue-type": "stream",
            "x-max-age": self.max_age,
            "x-max-length-bytes": self.max_bytes,
        }


async def declare(connection: AbstractConnection, settings: StreamSettings) -> str:
    """Declare the exchange, the stream and its binding; returns the stream's epoch."""
    channel = await connection.channel()
    created = False
    try:
        try:
            await channel.declare_queue(settings.name, passive=True)
        except aio_pika.exceptions.ChannelNotFoundEntity:
            # That closed the channel.
            channel = await connection.channel()
            await channel.declare_queue(settings.name, durable=True, arguments=settings.arguments)
            created = True
        exchange = await channel.declare_exchange(
            EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=False, auto_delete=True
        )
        stream = await channel.get_queue(settings.name, ensure=False)
        await stream.bind(exchange, "#")
        return await _epoch(channel, f"{settings.name}.epoch", created)
    finally:
        await channel.close()


async def _epoch(channel: AbstractChannel, name: str, created: bool) -> str:
    holder = await channel.declare_queue(
        name, durable=True, arguments={"x-max-length": 1, "x-overflow": "reject-publish"}
    )
    if created:
        await holder.purge()
    for _ in range(PEEK_ATTEMPTS):
        epoch = await _peek(holder)
        if epoch is not None:
            return epoch
        if created:
            # Refused (reject-publish) if another process stored one first: read that one.
            message = aio_pika.Message(
                uuid.uuid4().hex.encode(), delivery_mode=aio_pika.DeliveryMode.PERSISTENT
            )
            with contextlib.suppress(aio_pika.exceptions.DeliveryError):
                await channel.default_exchange.publish(message, routing_key=name)
        else:
            # Being read by another process at this instant, or lost: wait, then make one.
            await asyncio.sleep(0.05)
            created = True
    raise ConnectionError(f"the epoch of RabbitMQ's stream cannot be read from {name!r}")


async def _peek(queue: AbstractQueue) -> str | None:
    message = await queue.get(no_ack=False, fail=False)
    if message is None:
        return None
    await message.nack(requeue=True)
    return message.body.decode()
