"""The interface of a push backend: where ``emit_event`` hands its messages."""

from __future__ import annotations

import abc
from typing import Any


class BaseEventsPushBackend(abc.ABC):
    """Publishes envelopes ``{"session_id", "data"}`` under a routing key.

    Implementations keep one long-lived connection and are safe to call from several
    threads. ``emit_event`` raises on failure; the caller decides what a failure means.
    """

    def __init__(self, url: str = "") -> None:
        self.url = url

    @abc.abstractmethod
    def emit_event(self, message: dict[str, Any], *, routing_key: str) -> None:
        """Publish ``message`` on ``routing_key``."""

    def flush(self) -> None:
        """Wait until everything emitted so far has left the process."""

    def close(self) -> None:
        """Release the connection; the backend may be used again afterwards."""
