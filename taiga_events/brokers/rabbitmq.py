"""RabbitMQ engine: one exclusive queue per gateway process on the ``events`` topic exchange.

The exchange flags are those of the original taiga-back and taiga-events
(``durable=False, auto_delete=True``). The robust connection re-declares the queue, its
binding and the consumer after the broker comes back.
"""

from __future__ import annotations

import logging

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection

from .base import Broker, Deliver

logger = logging.getLogger(__name__)

EXCHANGE = "events"


class RabbitMQBroker(Broker):
    name = "rabbitmq"

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self._connection: AbstractRobustConnection | None = None

    async def start(self, deliver: Deliver) -> None:
        connection = await aio_pika.connect_robust(self.url)
        self._connection = connection
        connection.close_callbacks.add(self._on_close)
        connection.reconnect_callbacks.add(self._on_reconnect)
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=1000)
        exchange = await channel.declare_exchange(
            EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=False, auto_delete=True
        )
        queue = await channel.declare_queue(exclusive=True, auto_delete=True, durable=False)
        await queue.bind(exchange, routing_key="#")

        async def on_message(message: AbstractIncomingMessage) -> None:
            self.handle_body(deliver, message.routing_key or "", message.body)

        await queue.consume(on_message, no_ack=True)
        self.connected = True

    def _on_close(self, *_: object) -> None:
        if self.connected:
            logger.warning("RabbitMQ connection lost; reconnecting")
        self.connected = False

    def _on_reconnect(self, *_: object) -> None:
        logger.info("RabbitMQ connection restored")
        self.connected = True

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
        self.connected = False
