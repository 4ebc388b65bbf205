"""A backend that sends nothing: events off, for deployments without real-time clients."""

from __future__ import annotations

from typing import Any

from .base import BaseEventsPushBackend


class EventsPushBackend(BaseEventsPushBackend):
    blocking = False

    def emit_event(self, message: dict[str, Any], *, routing_key: str) -> None:
        """Discard the event."""
