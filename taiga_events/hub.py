"""The subscription index: which connections receive a message. No I/O.

Exact patterns are found by dictionary lookup; wildcard patterns are grouped by pattern so
a message is matched once per distinct pattern, not once per subscription.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Protocol

from .routing import is_wildcard, matches


class Subscriber(Hashable, Protocol):
    session_id: str | None


class Hub:
    def __init__(self) -> None:
        self._exact: dict[str, dict[Subscriber, bool]] = {}
        self._wildcards: dict[str, dict[Subscriber, bool]] = {}

    def _table(self, pattern: str) -> dict[str, dict[Subscriber, bool]]:
        return self._wildcards if is_wildcard(pattern) else self._exact

    def add(self, subscriber: Subscriber, pattern: str, self_notification: bool) -> None:
        """Subscribe (or re-subscribe with new options) to a normalized pattern."""
        self._table(pattern).setdefault(pattern, {})[subscriber] = self_notification

    def discard(self, subscriber: Subscriber, pattern: str) -> None:
        table = self._table(pattern)
        subscribers = table.get(pattern)
        if subscribers is not None:
            subscribers.pop(subscriber, None)
            if not subscribers:
                del table[pattern]

    def recipients(self, routing_key: str, session_id: str | None) -> list[Subscriber]:
        """Each subscriber that should receive the message, once, echo suppression applied.

        A message is an echo for a subscriber whose session id is the message's; it is
        still delivered if any of its matching subscriptions asked for selfNotification.
        """
        chosen: dict[Subscriber, None] = {}
        exact = self._exact.get(routing_key)
        if exact:
            _choose(exact, session_id, chosen)
        for pattern, subscribers in self._wildcards.items():
            if matches(pattern, routing_key):
                _choose(subscribers, session_id, chosen)
        return list(chosen)

    @property
    def pattern_count(self) -> int:
        return len(self._exact) + len(self._wildcards)


def _choose(
    subscribers: dict[Subscriber, bool], session_id: str | None, chosen: dict[Subscriber, None]
) -> None:
    if session_id is None:
        chosen.update(dict.fromkeys(subscribers))
        return
    for subscriber, self_notification in subscribers.items():
        if self_notification or subscriber.session_id != session_id:
            chosen[subscriber] = None
