"""The event ids a gateway has just delivered, to drop repeats. No I/O.

The backend's outbox delivers at least once: after a crash between the broker's confirm
and the outbox's delete, an event is published again with the same ``event_id``. Keeping
the last ``capacity`` ids (a set and a ring of insertion order) costs one dict operation
per message, not per recipient, and bounded memory (about 100 bytes an id).
"""

from __future__ import annotations

from collections import deque

DEFAULT_CAPACITY = 100_000


class RecentIds:
    """The last ``capacity`` distinct ids seen."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self._ids: set[str] = set()
        self._order: deque[str] = deque()

    def seen(self, event_id: str) -> bool:
        """True if ``event_id`` is among the recent ones; otherwise remember it."""
        if event_id in self._ids:
            return True
        self._ids.add(event_id)
        self._order.append(event_id)
        if len(self._order) > self.capacity:
            self._ids.discard(self._order.popleft())
        return False
