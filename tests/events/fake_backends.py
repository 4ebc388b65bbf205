"""Push backends whose broker misbehaves as told, for the relay's tests."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from taiga.events.backends.base import BaseEventsPushBackend, UnsendableEvent

Batch = Sequence[tuple[str, dict[str, Any]]]


class Recording(BaseEventsPushBackend):
    """Takes everything, and records it, unless told to fail or to route nothing."""

    published: list[tuple[str, dict[str, Any]]] = []
    failures_left = 0
    routes = True

    def emit_event(self, message: dict[str, Any], *, routing_key: str) -> None:
        self.emit_events([(routing_key, message)])

    def emit_events(self, batch: Batch) -> Collection[int]:
        cls = type(self)
        if cls.failures_left:
            cls.failures_left -= 1
            raise ConnectionError("the broker is away")
        if not cls.routes:
            return range(len(batch))
        if any(message["data"].get("too_large") for _, message in batch):
            raise UnsendableEvent("too large for the broker")
        cls.published.extend(batch)
        return ()
