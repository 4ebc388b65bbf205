"""Resuming subscriptions after a reconnection, without I/O.

The gateway numbers events: ``position``, in the history named by ``epoch``. A subscription
stands at the position of the last event received for it, or at the one its ``ack``
reported if none came since. Sent again with ``since`` set to that, it gets every event it
missed, once and in order, before the live ones; or ``recovered: false`` with a reason when
the history does not reach back, and the app must then fetch what it shows again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The client's own reasons for ``recovered: false``, besides the gateway's.
NO_POSITION = "no position"  # none known to resume from: the gateway numbers no events
UNSUPPORTED = "unsupported"  # the gateway ignored ``since``: it predates resuming


@dataclass(frozen=True, slots=True)
class Mark:
    """A point in the gateway's history: a position and the epoch it belongs to."""

    position: int
    epoch: str

    def is_newer_than(self, other: Mark | None) -> bool:
        """Whether this is further on than ``other``; a mark of another history always is,
        since the newest history is the one the gateway serves."""
        return other is None or other.epoch != self.epoch or self.position > other.position

    def to_since(self) -> dict[str, Any]:
        """The ``since`` field of a ``subscribe`` resuming from here."""
        return {"position": self.position, "epoch": self.epoch}


@dataclass(frozen=True, slots=True)
class Resumed:
    """The outcome of sending a subscription again after a reconnection (or with ``since``).

    ``recovered``: every event missed follows, like live ones. Otherwise ``reason`` says why
    some are lost — the gateway's ``epoch`` (another history), ``future``, ``too_old``,
    ``limit`` or ``unknown``, or the client's ``no position`` and ``unsupported`` — and what
    depends on the subscription must be fetched again; it is live again either way.
    """

    routing_key: str
    recovered: bool
    reason: str | None
    since: Mark | None


def mark_of(frame: dict[str, Any]) -> Mark | None:
    """The position and epoch a frame carries, both or neither (a position means nothing
    without its history)."""
    position, epoch = frame.get("position"), frame.get("epoch")
    numbered = isinstance(position, int) and not isinstance(position, bool)
    if numbered and isinstance(epoch, str) and epoch:
        return Mark(position, epoch)
    return None


def outcome(since: Mark | None, recovered: object, reason: object) -> tuple[bool, str | None]:
    """Whether a resume from ``since`` recovered, and if not why, from its ``ack``'s fields
    (None where the ack had none)."""
    if since is None:
        return False, NO_POSITION
    if not isinstance(recovered, bool):
        return False, UNSUPPORTED
    if recovered:
        return True, None
    return False, reason if isinstance(reason, str) else "unknown"
