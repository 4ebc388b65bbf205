"""The recent events a gateway has seen, by position, to resume clients. No I/O.

A position is the broker's number for an event, the same on every gateway: the offset in
RabbitMQ's stream, the relay's count on PostgreSQL, the in-process bus's count. Positions
increase within one history, not always by one (RabbitMQ's stream skips offsets where a
segment begins; a repeated or malformed message is not kept), and an epoch names the
history: a position of another epoch (a stream deleted and made again, a restarted
``make run``) means nothing here.

``Window`` keeps the last ``size`` events, and knows from which position on it holds every
one (``floor``): it can answer "everything after position p" for any p from there on;
further back the broker's own history is read (``Broker.read_back``) and put in front of it
(``prepend``).

Costs: appending is O(1); finding where to resume is a bisection; memory is bounded by
``size`` events (the envelopes the gateway decoded anyway).
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass
from itertools import islice
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
        # It holds every event after this position (None: not known yet).
        self.floor: int | None = None
        self._events: deque[Past] = deque()
        self._positions: deque[int] = deque()

    def start(self, epoch: str, head: int | None) -> None:
        """The broker says which history it serves and its newest position (reconnected).

        Another epoch empties the window; the same one keeps it (events the gateway
        missed while away are read back, not assumed).
        """
        if epoch != self.epoch:
            self.epoch = epoch
            self.lose(head)
        elif head is not None and (self.head is None or head > self.head):
            self.head = head
            if self.floor is None:
                self.floor = head

    def lose(self, head: int | None) -> None:
        """Events up to ``head`` that it does not hold are gone for good: forget those it
        holds, so that no resume from before them is taken as complete."""
        self._events.clear()
        self._positions.clear()
        self.head = self.floor = head

    def append(self, epoch: str, past: Past) -> bool:
        """Keep a delivered event; False if it is not new (an older or repeated position)."""
        if epoch != self.epoch:
            self.start(epoch, None)
        if self._positions and past.position <= self._positions[-1]:
            return False
        if self.floor is None:
            self.floor = past.position - 1
        self._events.append(past)
        self._positions.append(past.position)
        if len(self._events) > self.size:
            self._events.popleft()
            self.floor = self._positions.popleft()
        if self.head is None or past.position > self.head:
            self.head = past.position
        return True

    def prepend(self, after: int, older: list[Past]) -> bool:
        """Put in front the events the broker read back after position ``after``, if they
        reach the floor (it then holds every event after ``after``); those after the floor
        are left out (held already, or not kept on purpose). They may take the window past
        ``size`` until newer ones come."""
        floor = self.floor
        if floor is None or not older or older[-1].position < floor or after >= floor:
            return False
        older = [past for past in older if past.position <= floor]
        self._events.extendleft(reversed(older))
        self._positions.extendleft(past.position for past in reversed(older))
        self.floor = after
        return True

    def reaches(self, position: int) -> bool:
        """Whether it holds every event after ``position`` (the floor is never past the
        head, so this includes the head and beyond)."""
        return self.floor is not None and position >= self.floor

    def after(self, position: int) -> list[Past] | None:
        """The events after ``position``, oldest first; None if the window does not reach
        back to it (events after it were never held, or have been dropped)."""
        if not self.reaches(position):
            return None
        start = bisect.bisect_right(self._positions, position)
        return list(islice(self._events, start, None))  # a deque's indexing is not O(1)


class Outcome:
    """Why a resume could not be done: the reason codes of ``recovered: false``."""

    EPOCH = "epoch"  # another history: the broker's was made again
    FUTURE = "future"  # a position the history has not reached
    TOO_OLD = "too_old"  # the broker no longer keeps it
    LIMIT = "limit"  # more events missed than a replay may send
    UNKNOWN = "unknown"  # the gateway does not know its broker's history yet
