"""RabbitMQ engine: each gateway reads the ``events`` exchange's stream, or a queue of its own.

The exchange flags are those of the original taiga-back and taiga-events
(``durable=False, auto_delete=True``).

With the stream (the default, ``stream``): every (re)connection declares the exchange, the
durable stream and its ``#`` binding (``stream.declare``), and reads the stream: from its
last chunk when the gateway starts (before it takes clients: that fills its window and
tells where the history stands), and from the last offset it delivered when it reconnects,
so that what was published while its link was down reaches its clients, in order and once
(from its first offset if the stream is a new one: deleted and made again). If the stream
dropped some of that meanwhile (retention), the gateway is told (``history_lost``).
A consumer that RabbitMQ cancels (its stream or queue deleted) counts as a lost link. Each
message's offset (``x-stream-offset``) is its position. Older events
are read back from the stream to resume clients (``read_back``). Every gateway reads the
whole stream: they all receive every event and agree on its position.

Without it (``stream=None``): one exclusive, server-named queue per gateway process bound
with ``#``, declared again on every connection; bounded (``x-max-length``,
``x-max-length-bytes``, dropping its oldest messages when full, so a gateway that stops
reading cannot grow RabbitMQ's memory). Events carry no position and cannot be resumed.

Messages are taken straight from aio-pika's underlying aiormq channel: one task per
message instead of two, and no per-message wrapper object; the stream's are acknowledged
in batches, as it requires.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable

import aio_pika
import aiormq.abc
from aiormq.abc import DeliveredMessage

from ..history import Past
from . import stream as streams
from .base import BadMessage, Deliver, SupervisedBroker, parse_envelope
from .stream import StreamSettings

EXCHANGE = streams.EXCHANGE
# What the gateway's own queue may hold while the gateway does not keep up (no stream).
QUEUE_MAX_LENGTH = 10_000
QUEUE_MAX_BYTES = 64 * 1024 * 1024
# Messages of the stream in flight to the gateway before it acknowledges them.
PREFETCH = 1_000
READ_BACK_TIMEOUT = 10.0
FIRST_CHUNK_WAIT = 1.0
ACK_EVERY_SECONDS = 0.05


class LinkLost(ConnectionError):
    """RabbitMQ closed the connection or the channel; the message says why."""


class RabbitMQBroker(SupervisedBroker):
    name = "rabbitmq"

    def __init__(
        self,
        url: str,
        *,
        stream: StreamSettings | None = StreamSettings(),  # noqa: B008 (frozen)
        connect_timeout: float = 10.0,
        queue_max_length: int = QUEUE_MAX_LENGTH,
        queue_max_bytes: int = QUEUE_MAX_BYTES,
        **backoff: float,
    ) -> None:
        super().__init__(**backoff)
        self.url = url
        self.stream = stream
        self.connect_timeout = connect_timeout
        self.queue_arguments = {
            "x-max-length": queue_max_length,
            "x-max-length-bytes": queue_max_bytes,
            "x-overflow": "drop-head",
        }
        self._connection: aio_pika.abc.AbstractConnection | None = None
        # The stream's history followed, and the newest offset delivered from it.
        self._epoch: str | None = None
        self._delivered: int | None = None
        self._reading = asyncio.Lock()

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
            if self.stream is None:
                await self._consume_queue(connection, deliver, on_close)
            else:
                await self._consume_stream(connection, deliver, on_close)
            self._connection = connection
            ready()
            await lost.wait()
            if causes:
                raise LinkLost(str(causes[0]) or type(causes[0]).__name__)
        finally:
            self._connection = None
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), self.connect_timeout)

    async def _consume_queue(
        self, connection: aio_pika.abc.AbstractConnection, deliver: Deliver, on_close
    ) -> None:
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
        _lost_if_cancelled(underlay, queue.name, on_close)
        await underlay.basic_consume(queue.name, on_message, no_ack=True)

    async def _consume_stream(
        self, connection: aio_pika.abc.AbstractConnection, deliver: Deliver, on_close
    ) -> None:
        assert self.stream is not None
        epoch = await streams.declare(connection, self.stream)
        reconnecting = self._epoch is not None
        if epoch != self._epoch:
            self._epoch, self._delivered = epoch, None
        self.history_started(epoch, self._delivered)
        channel = await connection.channel()
        channel.close_callbacks.add(on_close)
        underlay = await channel.get_underlay_channel()
        await underlay.basic_qos(prefetch_count=PREFETCH)
        loop = asyncio.get_running_loop()
        newest = waiting = 0  # the newest delivery tag; how many wait for their ack
        acking: set[asyncio.Task] = set()

        def acknowledge() -> None:
            # Everything delivered so far, in one frame: 20 times a second, or sooner when
            # half the prefetch waits (the stream sends nothing beyond it).
            nonlocal waiting
            if not waiting or underlay.is_closed:
                return
            waiting = 0
            task = loop.create_task(underlay.basic_ack(newest, multiple=True))
            acking.add(task)
            task.add_done_callback(acking.discard)

        # Back on the history it read: from the last offset it delivered, whose chunk, if
        # the stream still keeps it, comes first. Offsets are not all messages' (RabbitMQ
        # writes chunks of its own at each new segment), so only a first offset past that
        # one says that the stream dropped what followed while the link was down.
        resumed_at = self._delivered

        async def on_message(message: DeliveredMessage) -> None:
            nonlocal newest, waiting, resumed_at
            received_at = time.perf_counter()
            newest = message.delivery_tag
            waiting += 1
            if waiting == 1:
                loop.call_later(ACK_EVERY_SECONDS, acknowledge)
            elif waiting >= PREFETCH // 2:
                acknowledge()
            offset = (message.header.properties.headers or {}).get("x-stream-offset")
            if not isinstance(offset, int):
                return
            if resumed_at is not None:
                if offset > resumed_at + 1:
                    self.history_lost(resumed_at + 1, offset)
                resumed_at = None
            if self._delivered is not None and offset <= self._delivered:
                return
            self._delivered = offset
            self.handle_body(
                deliver, message.routing_key or "", message.body, received_at, offset, epoch
            )

        # Started afresh, from the last chunk: what came before reached no client. Back
        # on a new history (the stream was deleted and made again), from its first: all
        # of it is news to the clients connected meanwhile.
        fresh = "first" if reconnecting else "last"
        start: int | str = resumed_at if resumed_at is not None else fresh
        _lost_if_cancelled(underlay, self.stream.name, on_close)
        await underlay.basic_consume(
            self.stream.name, on_message, arguments={"x-stream-offset": start}
        )
        if start == "last":
            # The stream's last chunk tells where the history stands: before taking
            # clients, wait for it (briefly: an empty stream sends nothing).
            deadline = loop.time() + FIRST_CHUNK_WAIT
            while self._delivered is None and loop.time() < deadline:
                await asyncio.sleep(0.01)

    async def read_back(
        self, after: int, limit: int, until: int | None = None
    ) -> list[Past] | None:
        connection, epoch = self._connection, self._epoch
        if until is None:
            until = self._delivered
        if connection is None or self.stream is None or until is None:
            return None
        if after >= until:
            return []
        async with self._reading:  # opening channels at once upsets the AMQP client
            return await self._read(connection, epoch, after, limit, until)

    async def _read(
        self,
        connection: aio_pika.abc.AbstractConnection,
        epoch: str | None,
        after: int,
        limit: int,
        until: int,
    ) -> list[Past] | None:
        channel = await connection.channel()
        try:
            underlay = await channel.get_underlay_channel()
            await underlay.basic_qos(prefetch_count=min(limit + 1, PREFETCH))
            found: list[Past] = []
            done = asyncio.get_running_loop().create_future()
            # From the chunk of ``after`` itself (a message's offset, or -1): the stream
            # keeps what follows it if that chunk comes first (offsets that are not
            # messages' make "after + 1" no proof).
            start = max(after, 0)
            first = True

            async def on_message(message: DeliveredMessage) -> None:
                nonlocal first
                offset = (message.header.properties.headers or {}).get("x-stream-offset")
                await underlay.basic_ack(message.delivery_tag)
                if done.done() or not isinstance(offset, int):
                    return
                if first and offset > start:
                    done.set_result(None)  # the stream no longer keeps it
                    return
                first = False
                if offset <= after:
                    return
                try:
                    envelope = parse_envelope(message.body)
                except BadMessage:
                    pass
                else:
                    envelope.update(position=offset, epoch=epoch)
                    found.append(Past(offset, message.routing_key or "", envelope))
                if offset >= until or len(found) > limit:
                    done.set_result(found)

            await underlay.basic_consume(
                self.stream.name, on_message, arguments={"x-stream-offset": start}
            )
            return await asyncio.wait_for(done, READ_BACK_TIMEOUT)
        except TimeoutError:
            return None
        finally:
            with contextlib.suppress(Exception):
                await channel.close()


def _lost_if_cancelled(channel: aiormq.abc.AbstractChannel, queue: str, on_close) -> None:
    """A consumer RabbitMQ cancels (its queue was deleted) would leave the link up with
    nothing coming: take it for a lost link, so that the queue is declared again and read."""

    def cancelled(_frame: object) -> None:
        cause = LinkLost(f"RabbitMQ cancelled the consumer of {queue!r}: was it deleted?")
        on_close(None, cause)

    channel.on_consumer_cancel_callbacks.add(cancelled)
