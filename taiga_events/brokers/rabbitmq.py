"""RabbitMQ engine: one exclusive queue per gateway process on the ``events`` topic exchange.

The exchange flags are those of the original taiga-back and taiga-events
(``durable=False, auto_delete=True``). Every (re)connection declares the exchange, a fresh
server-named queue and its ``#`` binding again: after a broker restart none of them exists
any more. Each gateway process has its own queue, so each receives every event.

The queue is bounded (``x-max-length``, ``x-max-length-bytes``) and drops its oldest
messages when full (``x-overflow: drop-head``): a gateway that stops reading cannot grow
RabbitMQ's memory, and publishers are never refused because of it. Messages are consumed
without acknowledgements, straight from aio-pika's underlying aiormq channel: one task
per message instead of two, and no per-message wrapper object.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable

import aio_pika
from aiormq.abc import DeliveredMessage

from .base import Deliver, SupervisedBroker

EXCHANGE = "events"
# What the gateway's queue may hold while the gateway does not keep up.
QUEUE_MAX_LENGTH = 10_000
QUEUE_MAX_BYTES = 64 * 1024 * 1024


class LinkLost(ConnectionError):
    """RabbitMQ closed the connection or the channel; the message says why."""


class RabbitMQBroker(SupervisedBroker):
    name = "rabbitmq"

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: float = 10.0,
        queue_max_length: int = QUEUE_MAX_LENGTH,
        queue_max_bytes: int = QUEUE_MAX_BYTES,
        **backoff: float,
    ) -> None:
        super().__init__(**backoff)
        self.url = url
        self.connect_timeout = connect_timeout
        self.queue_arguments = {
            "x-max-length": queue_max_length,
            "x-max-length-bytes": queue_max_bytes,
            "x-overflow": "drop-head",
        }

    async def consume(self, deliver: Deliver, ready: Callable[[], None]) -> None:
        connection = await aio_pika.connect(
            self.url,
            timeout=self.connect_timeout,
            client_properties={"connection_name": f"taiga-events@{socket.gethostname()}"},
        )
        try:
            lost = asyncio.Event()
            causes: list[BaseException] = []

            def on_close(_sender: object, cause: BaseException | None = None) -> None:
                if cause is not None:
                    causes.append(cause)
                lost.set()

            connection.close_callbacks.add(on_close)
            channel = await connection.channel()
            channel.close_callbacks.add(on_close)
            exchange = await channel.declare_exchange(
                EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=False, auto_delete=True
            )
            queue = await channel.declare_queue(
                exclusive=True, auto_delete=True, durable=False, arguments=self.queue_arguments
            )
            await queue.bind(exchange, routing_key="#")

            async def on_message(message: DeliveredMessage) -> None:
                received_at = time.perf_counter()
                self.handle_body(deliver, message.routing_key or "", message.body, received_at)

            underlay = await channel.get_underlay_channel()
            await underlay.basic_consume(queue.name, on_message, no_ack=True)
            ready()
            await lost.wait()
            if causes:
                raise LinkLost(str(causes[0]) or type(causes[0]).__name__)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), self.connect_timeout)
