"""An in-process broker: the backend and the gateway in one process share this bus.

It carries encoded bodies, as a real broker does, so a message is decoded the same way
whichever broker delivered it and a publisher cannot mutate what subscribers see. Like
RabbitMQ's stream it numbers what it carries (positions from 0, one history per bus, named
by a random epoch) and keeps the last ``history_size`` messages, so that a gateway started
again in the same process can resume its clients.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable

from ..history import DEFAULT_SIZE, Past
from .base import BadMessage, Broker, Deliver, HistoryLost, HistoryStarted, parse_envelope

# subscriber(routing_key, body, position)
Subscriber = Callable[[str, bytes, int], None]


class MemoryBus:
    """Thread-safe publish/subscribe of ``(routing_key, body)`` within one process."""

    def __init__(self, history_size: int = DEFAULT_SIZE) -> None:
        self.epoch = uuid.uuid4().hex
        self._lock = threading.Lock()
        self._subscribers: tuple[Subscriber, ...] = ()
        self._next = 0
        self._history: deque[tuple[int, str, bytes]] = deque(maxlen=history_size)

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call ``subscriber`` for every message published; returns the unsubscribe function."""
        with self._lock:
            self._subscribers = (*self._subscribers, subscriber)

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = tuple(s for s in self._subscribers if s is not subscriber)

        return unsubscribe

    @property
    def subscribed(self) -> bool:
        """Whether anyone in this process listens."""
        return bool(self._subscribers)

    @property
    def head(self) -> int:
        """The newest position (-1 before the first message)."""
        return self._next - 1

    def publish(self, routing_key: str, body: bytes) -> int:
        """Number the message and hand it to every subscriber, in position order; returns
        how many subscribers there were."""
        with self._lock:
            position = self._next
            self._next += 1
            self._history.append((position, routing_key, body))
            subscribers = self._subscribers
            for subscriber in subscribers:
                subscriber(routing_key, body, position)
        return len(subscribers)

    def after(self, position: int) -> list[tuple[int, str, bytes]] | None:
        """The messages after ``position``; None if the bus no longer keeps them all."""
        with self._lock:
            if position >= self._next - 1:
                return []
            if not self._history or position < self._history[0][0] - 1:
                return None
            return [message for message in self._history if message[0] > position]


bus = MemoryBus()


class MemoryBroker(Broker):
    """Consumes the process-wide bus (or another one) on the gateway's event loop."""

    name = "memory"

    def __init__(self, source: MemoryBus = bus) -> None:
        super().__init__()
        self._source = source
        self._unsubscribe: Callable[[], None] | None = None

    async def start(
        self,
        deliver: Deliver,
        history: HistoryStarted | None = None,
        lost: HistoryLost | None = None,
    ) -> None:
        # In the same process as its bus, it is never away from it: it loses nothing.
        loop = asyncio.get_running_loop()
        epoch = self._source.epoch

        def receive(routing_key: str, body: bytes, position: int) -> None:
            # Publishers may run on other threads (the backend's request threads).
            received_at = time.perf_counter()
            loop.call_soon_threadsafe(
                self.handle_body, deliver, routing_key, body, received_at, position, epoch
            )

        self._unsubscribe = self._source.subscribe(receive)
        if history is not None:
            # Read after subscribing: what came in between is delivered, none is skipped.
            history(epoch, self._source.head)
        self.connected = True

    async def read_back(
        self, after: int, limit: int, until: int | None = None
    ) -> list[Past] | None:
        messages = self._source.after(after)
        if messages is None:
            return None
        found = []
        for position, routing_key, body in messages[: limit + 1]:
            try:
                envelope = parse_envelope(body)
            except BadMessage:
                continue  # dropped when it was live, too
            envelope.update(position=position, epoch=self._source.epoch)
            found.append(Past(position, routing_key, envelope))
        return found

    async def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.connected = False
