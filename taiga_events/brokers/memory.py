"""An in-process broker: the backend and the gateway in one process share this bus.

It carries encoded bodies, as a real broker does, so a message is decoded the same way
whichever broker delivered it and a publisher cannot mutate what subscribers see.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

from .base import Broker, Deliver

Subscriber = Callable[[str, bytes], None]


class MemoryBus:
    """Thread-safe publish/subscribe of ``(routing_key, body)`` within one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: tuple[Subscriber, ...] = ()

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

    def publish(self, routing_key: str, body: bytes) -> int:
        """Hand the message to every subscriber; returns how many there were."""
        subscribers = self._subscribers
        for subscriber in subscribers:
            subscriber(routing_key, body)
        return len(subscribers)


bus = MemoryBus()


class MemoryBroker(Broker):
    """Consumes the process-wide bus (or another one) on the gateway's event loop."""

    name = "memory"

    def __init__(self, source: MemoryBus = bus) -> None:
        super().__init__()
        self._source = source
        self._unsubscribe: Callable[[], None] | None = None

    async def start(self, deliver: Deliver) -> None:
        loop = asyncio.get_running_loop()

        def receive(routing_key: str, body: bytes) -> None:
            # Publishers may run on other threads (the backend's request threads).
            received_at = time.perf_counter()
            loop.call_soon_threadsafe(self.handle_body, deliver, routing_key, body, received_at)

        self._unsubscribe = self._source.subscribe(receive)
        self.connected = True

    async def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.connected = False
