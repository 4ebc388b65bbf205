"""RabbitMQ backend: topic exchange ``events``, one long-lived connection per process.

The exchange is declared ``durable=False, auto_delete=True``, the flags of the original
taiga-back and taiga-events; other flags fail with PRECONDITION_FAILED against an existing
deployment. The AMQP client is asynchronous, so it runs on a private event loop in a
daemon thread, and ``emit_event`` waits for the broker's publisher confirm.

Every connection first declares the exchange's stream and its binding
(``taiga_events.brokers.stream``), unless ``EVENTS_RABBITMQ_STREAM`` is off: after a
RabbitMQ restart the first event published, before any gateway is back, is kept there for
the gateways to read. A connection RabbitMQ closes is not reconnected behind the relay's
back: the next publish connects, and declares, again.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Collection, Sequence
from typing import Any

import aio_pika
import orjson
import uvloop
from django.conf import settings

from taiga_events.brokers import stream

from .base import BaseEventsPushBackend

EXCHANGE = "events"
DEFAULT_URL = "amqp://guest:guest@127.0.0.1:5672/"
PUBLISH_TIMEOUT_SECONDS = 5.0


class EventsPushBackend(BaseEventsPushBackend):
    def __init__(self, url: str = "") -> None:
        super().__init__(url or DEFAULT_URL)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connection: aio_pika.abc.AbstractConnection | None = None
        self._stream: stream.StreamSettings | None = None
        if getattr(settings, "EVENTS_RABBITMQ_STREAM", True):
            self._stream = stream.StreamSettings(
                getattr(settings, "EVENTS_RABBITMQ_STREAM_NAME", stream.DEFAULT_NAME),
                getattr(settings, "EVENTS_RABBITMQ_STREAM_MAX_AGE", "1h"),
                int(getattr(settings, "EVENTS_RABBITMQ_STREAM_MAX_BYTES", 1_000_000_000)),
            )
        self._exchange: aio_pika.abc.AbstractExchange | None = None
        self._connecting = asyncio.Lock()

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = uvloop.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="events-rabbitmq", daemon=True
                )
                thread.start()
                self._loop = loop
                self._connecting = asyncio.Lock()  # bound to this loop on first use
            return self._loop

    async def _get_exchange(self) -> aio_pika.abc.AbstractExchange:
        async with self._connecting:
            if self._connection is None or self._connection.is_closed:
                self._connection = await aio_pika.connect(self.url, timeout=5)
                self._exchange = None
                if self._stream is not None:
                    await stream.declare(self._connection, self._stream)
            if self._exchange is None or self._exchange.channel.is_closed:
                # A message no queue takes comes back: the caller decides what that means.
                channel = await self._connection.channel(
                    publisher_confirms=True, on_return_raises=True
                )
                self._exchange = await channel.declare_exchange(
                    EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=False, auto_delete=True
                )
            return self._exchange

    async def _publish(self, batch: Sequence[tuple[str, dict[str, Any]]]) -> list[int]:
        try:
            exchange = await self._get_exchange()
        except BaseException:
            await self._disconnect()
            raise
        try:
            return await _publish_on(exchange, batch)
        except aio_pika.exceptions.ChannelClosed:
            # The exchange auto-deletes when the last gateway unbinds, and publishing to a
            # missing exchange closes the channel: declare it again on a new channel, once.
            self._exchange = None
            return await _publish_on(await self._get_exchange(), batch)

    async def _disconnect(self) -> None:
        connection, self._connection, self._exchange = self._connection, None, None
        if connection is not None:
            await connection.close()

    def emit_event(self, message: dict[str, Any], *, routing_key: str) -> None:
        self.emit_events([(routing_key, message)])

    def emit_events(self, batch: Sequence[tuple[str, dict[str, Any]]]) -> Collection[int]:
        future = asyncio.run_coroutine_threadsafe(self._publish(batch), self._event_loop())
        try:
            return future.result(timeout=PUBLISH_TIMEOUT_SECONDS)
        except BaseException:
            future.cancel()
            raise

    def close(self) -> None:
        with self._lock:
            loop, self._loop = self._loop, None
        if loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._disconnect(), loop).result(
            timeout=PUBLISH_TIMEOUT_SECONDS
        )
        loop.call_soon_threadsafe(loop.stop)


async def _publish_on(
    exchange: aio_pika.abc.AbstractExchange, batch: Sequence[tuple[str, dict[str, Any]]]
) -> list[int]:
    """Publish in order and wait for all the broker's confirms together; returns the
    positions of the messages that no queue took (``mandatory``: the broker says so)."""
    outcomes = await asyncio.gather(
        *(
            exchange.publish(
                aio_pika.Message(orjson.dumps(message), content_type="application/json"),
                routing_key=routing_key,
                mandatory=True,
            )
            for routing_key, message in batch
        ),
        return_exceptions=True,
    )
    unroutable = []
    for index, outcome in enumerate(outcomes):
        if isinstance(outcome, aio_pika.exceptions.PublishError):  # returned, not nacked
            unroutable.append(index)
        elif isinstance(outcome, BaseException):
            raise outcome
    return unroutable
