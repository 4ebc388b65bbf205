"""Handing events to a network backend off the request thread, in order, with retries.

A request must never wait on, or fail because of, the broker. So events for a backend that
does network I/O go into a bounded in-process queue that one daemon thread drains in order.
When the broker is down, the head of the queue is retried with a capped backoff while the
rest wait behind it (commit order is kept). An event is given up once it has waited
``max_delay`` seconds (60 by default) without being sent: it is then logged with its routing
key and counted as failed. So a broker outage shorter than that loses nothing. An event that
finds the queue full is dropped at once, logged and counted: memory stays bounded.
"""

from __future__ import annotations

import collections
import itertools
import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .backends.base import BaseEventsPushBackend, UnsendableEvent

logger = logging.getLogger(__name__)

DEFAULT_RETRY_DELAYS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0)  # the last one repeats
DEFAULT_MAX_DELAY = 60.0
DEFAULT_MAX_QUEUE = 100_000
MAX_BATCH = 500


@dataclass(frozen=True, slots=True)
class Queued:
    routing_key: str
    message: dict[str, Any]
    queued_at: float


@dataclass
class SenderStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0


class Sender:
    """One daemon thread per process that publishes queued events through ``backend``."""

    def __init__(
        self,
        backend: BaseEventsPushBackend,
        *,
        retry_delays: Sequence[float] | None = None,
        max_delay: float | None = None,
        max_queue: int | None = None,
    ) -> None:
        self.backend = backend
        self.retry_delays = tuple(DEFAULT_RETRY_DELAYS if retry_delays is None else retry_delays)
        self.max_delay = DEFAULT_MAX_DELAY if max_delay is None else max_delay
        self.max_queue = DEFAULT_MAX_QUEUE if max_queue is None else max_queue
        self.stats = SenderStats()
        self.pid = os.getpid()
        self._queue: collections.deque[Queued] = collections.deque()
        self._busy = False
        self._closed = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="events-sender", daemon=True)
        self._thread.start()

    def submit(self, routing_key: str, message: dict[str, Any]) -> None:
        """Queue one event; never blocks on the broker and never raises."""
        with self._changed:
            if len(self._queue) >= self.max_queue:
                self.stats.dropped += 1
                logger.error(
                    "events queue full (%d): dropped the event on %s", self.max_queue, routing_key
                )
                return
            self._queue.append(Queued(routing_key, message, time.monotonic()))
            self._changed.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued event has been sent or given up; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._queue and not self._busy, timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Send what is queued (up to ``timeout``), then stop the thread and the backend."""
        self.flush(timeout)
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._thread.join(timeout)
        self.backend.close()

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._queue or self._closed)
                if self._closed:
                    return
                batch = [self._queue.popleft() for _ in range(min(len(self._queue), MAX_BATCH))]
                self._busy = True
            try:
                self._send(batch)
            finally:
                with self._changed:
                    self._busy = False
                    self._changed.notify_all()

    def _send(self, batch: list[Queued]) -> None:
        try:
            self.backend.emit_events([(item.routing_key, item.message) for item in batch])
        except Exception as exc:
            logger.warning("could not emit %d event(s), retrying one by one: %s", len(batch), exc)
            # In order, each with its own retries (a message may then arrive twice).
            for item in batch:
                self._send_with_retries(item)
        else:
            self.stats.sent += len(batch)

    def _send_with_retries(self, item: Queued) -> None:
        delays = iter(self.retry_delays)
        for attempt in itertools.count(1):
            try:
                self.backend.emit_event(item.message, routing_key=item.routing_key)
            except (UnsendableEvent, TypeError) as exc:
                # Encoding errors (orjson's are TypeErrors) and oversized events never heal.
                self.stats.failed += 1
                logger.error("cannot emit the event on %s: %s", item.routing_key, exc)
                return
            except Exception as exc:
                logger.debug("attempt %d on %s failed: %s", attempt, item.routing_key, exc)
            else:
                self.stats.sent += 1
                return
            waited = time.monotonic() - item.queued_at
            if waited >= self.max_delay:
                break
            delay = min(next(delays, self.retry_delays[-1]), self.max_delay - waited)
            with self._changed:
                if self._changed.wait_for(lambda: self._closed, delay):
                    break
            self.stats.retried += 1
        self.stats.failed += 1
        logger.error(
            "gave up emitting the event on %s after %d attempts in %.1f s",
            item.routing_key,
            attempt,
            time.monotonic() - item.queued_at,
        )
