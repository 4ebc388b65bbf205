"""In-process backend: for the single-process quick start and tests."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import orjson

from taiga_events.brokers.memory import bus

from .base import BaseEventsPushBackend


class EventsPushBackend(BaseEventsPushBackend):
    """Publishes on the process-wide memory bus that an in-process gateway consumes."""

    blocking = False

    def emit_event(self, message: dict[str, Any], *, routing_key: str) -> None:
        bus.publish(routing_key, orjson.dumps(message))

    def emit_events(self, batch: Sequence[tuple[str, dict[str, Any]]]) -> Collection[int]:
        return [
            index
            for index, (routing_key, message) in enumerate(batch)
            if not bus.publish(routing_key, orjson.dumps(message))
        ]

    def reaches_consumers(self) -> bool:
        return bus.subscribed
