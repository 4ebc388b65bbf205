"""The interface of a push backend: where ``emit_event`` hands its messages."""

from __future__ import annotations

import abc
from collections.abc import Collection, Sequence
from typing import Any


class UnsendableEvent(ValueError):
    """An event no retry can send (too large, not encodable): given up at once."""


class BaseEventsPushBackend(abc.ABC):
    """Publishes envelopes ``{"session_id", "data"}`` under a routing key.

    Implementations keep one long-lived connection and are safe to call from several
    threads. ``emit_event`` raises on failure; the caller decides what a failure means.
    A backend that does network I/O sets ``blocking``: emission then goes through the
    background sender so that no request waits on the broker.
    """

    blocking = True

    def __init__(self, url: str = "") -> None:
        self.url = url

    @abc.abstractmethod
    def emit_event(self, message: dict[str, Any], *, routing_key: str) -> None:
        """Publish ``message`` on ``routing_key``."""

    def emit_events(self, batch: Sequence[tuple[str, dict[str, Any]]]) -> Collection[int]:
        """Publish several ``(routing_key, message)`` in order; backends may do it faster.

        Returns the positions in ``batch`` of the messages the broker took but could route
        to no queue (a backend that cannot tell returns none): the relay keeps those.
        """
        for routing_key, message in batch:
            self.emit_event(message, routing_key=routing_key)
        return ()

    def reaches_consumers(self) -> bool:
        """Whether publishing from this process can reach anyone (the memory bus: only in the
        process that runs the gateway)."""
        return True

    def close(self) -> None:
        """Release the connection; the backend may be used again afterwards."""
