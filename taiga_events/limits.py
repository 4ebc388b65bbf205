"""Per-connection limits, without I/O: what one client may ask of the gateway."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """The bounds every connection is held to; each has a setting (docs/GATEWAY.md)."""

    max_frame_bytes: int = 16 * 1024
    max_subscriptions: int = 100
    command_rate: float = 20.0
    command_burst: int = 120
    max_routing_key_length: int = 255
    max_routing_key_segments: int = 16
    # Unsent data a connection may accumulate before it is closed as too slow (4000).
    send_buffer_bytes: int = 1024 * 1024
    # Recent events kept in memory to resume clients, and the most one resume may send.
    history_size: int = 10_000
    replay_limit: int = 10_000


class TokenBucket:
    """Allows ``burst`` commands at once and ``rate`` per second after that.

    Time is passed in (seconds, monotonic), so the arithmetic is testable without a clock.
    """

    __slots__ = ("_last", "_tokens", "burst", "rate")

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._last = now

    def allow(self, now: float) -> bool:
        """Take one token if there is one; False means the command must be refused."""
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True
