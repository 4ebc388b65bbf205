"""RabbitMQ engine: one exclusive queue per gateway process on the ``events`` topic exchange.

The exchange flags are those of the original taiga-back and taiga-events
(``durable=False, auto_delete=True``). Every (re)connection declares the exchange, a fresh
server-named queue and its ``#`` binding again: after a broker restart none of them exists
any more. Each gateway process has its own queue, so each receives every event.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from .base import Deliver, SupervisedBroker

EXCHANGE = "events"


class RabbitMQBroker(SupervisedBroker):
    name = "rabbitmq"

    def __init__(self, url: str, *, connect_timeout: float = 10.0, **backoff: float) -> None:
        super().__init__(**backoff)
        self.url = url
        self.connect_timeout = connect_timeout

    async def consume(self, deliver: Deliver, ready: Callable[[], None]) -> None:
        connection = await aio_pika.connect(
            self.url,
            timeout=self.connect_timeout,
            client_properties={"connection_name": f"taiga-events@{socket.gethostname()}"},
        )
        try:
            lost = asyncio.Event()
            connection.close_callbacks.add(lambda *_: lost.set())
            channel = await connection.channel()
            channel.close_callbacks.add(lambda *_: lost.set())
            await channel.set_qos(prefetch_count=1000)
            exchange = await channel.declare_exchange(
                EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=False, auto_delete=True
            )
            queue = await channel.declare_queue(exclusive=True, auto_delete=True, durable=False)
            await queue.bind(exchange, routing_key="#")

            async def on_message(message: AbstractIncomingMessage) -> None:
                received_at = time.perf_counter()
                self.handle_body(deliver, message.routing_key or "", message.body, received_at)

            await queue.consume(on_message, no_ack=True)
            ready()
            await lost.wait()
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), self.connect_timeout)
