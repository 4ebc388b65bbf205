"""The recent events a gateway has seen, by position, to resume clients. No I/O.

A position is the broker's number for an event, the same on every gateway: the offset in
RabbitMQ's stream, the relay's count on PostgreSQL, the in-process bus's count. Positions
follow each other without gaps within one history, and an epoch names the history: a
position of another epoch (a stream deleted and made again, a restarted ``make run``)
means nothing here.

``Window`` keeps the last ``size`` events. It can answer "everything after position p"
when it holds the event right after p, or when p is its newest position; further back the
broker's own history is read (``Broker.read_back``) and put in front of it (``prepend``).

Costs: appending is O(1); finding where to resume is a bisection; memory is bounded by
``size`` events (the envelopes the gateway decoded anyway).
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass
from typing import Any

DEFAULT_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class Past:
    """One event as the gateway delivered it: its envelope carries position and epoch."""

    position: int
    routing_key: str
    envelope: dict[str, Any]


class Window:
    """The last ``size`` events of one epoch, oldest first."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self.epoch: str | None = None
        # The newest position known, even with no event in the window (a broker may say
        # where its history stands before any event arrives); None: not known yet.
        self.head: int | None = None
        self._events: deque[Past] = deque()
        self._positions: deque[int] = deque()

    def start(self, epoch: str, head: int | None) -> None:
        """The broker says which history it serves and its newest position (reconnected).

        Another epoch empties the window; the same one keeps it (events the gateway
        missed while away are read back, not assumed).
        """
        if epoch != self.epoch:
            self.epoch = epoch
            self._events.clear()
            self._positions.clear()
            self.head = head
        elif head is not None and (self.head is None or head > self.head):
            self.head = head

    def lose(self, head: int) -> None:
        """Events up to ``head`` that it does not hold are gone for good: forget those it
        holds, so that no resume from before them is taken as complete."""
        self._events.clear()
        self._positions.clear()
        self.head = head

    def append(self, epoch: str, past: Past) -> bool:
        """Keep a delivered event; False if it is not new (an older or repeated position)."""
        if epoch != self.epoch:
            self.start(epoch, None)
        if self._positions and past.position <= self._positions[-1]:
            return False
        self._events.append(past)
        self._positions.append(past.position)
        if len(self._events) > self.size:
            self._events.popleft()
            self._positions.popleft()
        if self.head is None or past.position > self.head:
            self.head = past.position
        return True

    def prepend(self, older: list[Past]) -> bool:
        """Put events read back from the broker before the oldest held (or, in an empty
        window, up to the head), if they lead up to it without a gap; those already held
        are left out. They may take the window past ``size`` until newer ones come."""
        end = self._positions[0] - 1 if self._positions else self.head
        older = [past for past in older if end is None or past.position <= end]
        if not older or end is None or older[-1].position != end:
            return False
        self._events.extendleft(reversed(older))
        self._positions.extendleft(past.position for past in reversed(older))
        return True

    @property
    def first(self) -> int | None:
        """The oldest position held, if any."""
        return self._positions[0] if self._positions else None

    def after(self, position: int) -> list[Past] | None:
        """The events after ``position``, oldest first; None if the window does not reach
        back to it (events after it were never held, or have been dropped)."""
        if self.head is not None and position >= self.head:
            return []
        if not self._positions or position < self._positions[0] - 1:
            return None
        start = bisect.bisect_right(self._positions, position)
        return [self._events[index] for index in range(start, len(self._events))]


class Outcome:
    """Why a resume could not be done: the reason codes of ``recovered: false``."""

    EPOCH = "epoch"  # another history: the broker's was made again
    FUTURE = "future"  # a position the history has not reached
    TOO_OLD = "too_old"  # the broker no longer keeps it
    LIMIT = "limit"  # more events missed than a replay may send
    UNKNOWN = "unknown"  # the gateway does not know its broker's history yet
