"""Keeps Python's full garbage collections off the delivery path of a busy gateway.

Each connection holds some eighty objects the cyclic collector tracks (websockets' protocol
and buffers, the transport, two tasks, the gateway's state), and a full collection walks
every tracked object: at 15,000 connections one pass takes about half a second, and while
connections keep arriving CPython runs one each time the old objects grew by a quarter, so
a burst of connections stalls delivery to everyone again and again.

``gc.freeze()`` moves every object alive into a permanent generation the collector does not
walk (it costs nothing: the lists are spliced). The freezer calls it after start-up and
after each burst of connections. The price: a frozen connection that closes leaves its
reference cycles behind, and they are only reclaimed once unfrozen. So, once the
connections closed since the last reclaim reach a quarter of those open (and at least
``reclaim_min``), the heap is unfrozen, collected once and frozen again: one full pass
where CPython would have made one as well. A burst of new connections alone never causes
one.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time

logger = logging.getLogger(__name__)


class HeapFreezer:
    """Freezes the heap after bursts of connections; reclaims what closed ones left."""

    def __init__(self, *, burst: int = 100, quiet_seconds: float = 1.0, reclaim_min: int = 1000):
        self.burst = burst
        self.quiet_seconds = quiet_seconds
        self.reclaim_min = reclaim_min
        self.open = 0
        self.opened = 0  # connections opened since the last freeze
        self.closed = 0  # connections closed since the last reclaim
        self._due: asyncio.TimerHandle | None = None

    def freeze(self) -> None:
        """Freeze what is alive now (after start-up; then by itself)."""
        if self._due is not None:
            self._due.cancel()
            self._due = None
        if self._reclaim_due():
            started = time.perf_counter()
            gc.unfreeze()
            found = gc.collect()
            self.closed = 0
            logger.debug(
                "reclaimed %d objects in %.0f ms", found, (time.perf_counter() - started) * 1000
            )
        gc.freeze()
        self.opened = 0

    def connection_opened(self) -> None:
        self.open += 1
        self.opened += 1
        if self.opened >= self.burst:
            self._schedule()

    def connection_closed(self) -> None:
        self.open -= 1
        self.closed += 1
        if self._reclaim_due():
            self._schedule()

    def _reclaim_due(self) -> bool:
        return self.closed >= max(self.reclaim_min, self.open // 4)

    def _schedule(self) -> None:
        # Once the burst has had a moment to go on: a freeze every quiet_seconds at most.
        if self._due is None:
            loop = asyncio.get_running_loop()
            self._due = loop.call_later(self.quiet_seconds, self.freeze)

    def close(self) -> None:
        if self._due is not None:
            self._due.cancel()
            self._due = None
