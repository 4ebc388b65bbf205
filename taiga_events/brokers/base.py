"""The interface every broker engine implements, and the envelope they all carry."""

from __future__ import annotations

import abc
import logging
from collections.abc import Callable
from typing import Any

import orjson

logger = logging.getLogger(__name__)

Deliver = Callable[[str, dict[str, Any]], None]


class BadMessage(ValueError):
    """A broker message that is not an event envelope; it is logged and dropped."""


def parse_envelope(body: bytes | str) -> dict[str, Any]:
    """Decode ``{"session_id": str | null, "data": {...}}``; unknown fields are kept."""
    try:
        envelope = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadMessage("body is not JSON") from None
    if not isinstance(envelope, dict):
        raise BadMessage("body is not a JSON object")
    if "data" not in envelope:
        raise BadMessage("envelope has no 'data'")
    session_id = envelope.get("session_id")
    if session_id is not None and not isinstance(session_id, str):
        raise BadMessage("'session_id' is neither a string nor null")
    return envelope


class Broker(abc.ABC):
    """A source of events. ``start`` returns once consuming has begun, so that a
    subscription made afterwards cannot miss an event published afterwards."""

    name = "broker"

    def __init__(self) -> None:
        self.connected = False
        self.dropped = 0

    @abc.abstractmethod
    async def start(self, deliver: Deliver) -> None:
        """Connect and call ``deliver(routing_key, envelope)`` for every event."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop consuming and disconnect."""

    def handle_body(self, deliver: Deliver, routing_key: str, body: bytes | str) -> None:
        """Decode one message and deliver it; a bad one is logged and dropped, never raised."""
        try:
            envelope = parse_envelope(body)
        except BadMessage as exc:
            self.drop(routing_key, exc)
            return
        deliver(routing_key, envelope)

    def drop(self, routing_key: str | None, reason: BadMessage) -> None:
        self.dropped += 1
        logger.warning(
            "dropped a %s message on %r: %s", self.name, (routing_key or "")[:255], reason
        )
