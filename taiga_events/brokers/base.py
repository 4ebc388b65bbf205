"""The interface every broker engine implements, and the envelope they all carry."""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import orjson

from ..history import Past

logger = logging.getLogger(__name__)

# deliver(routing_key, envelope, received_at): received_at is time.perf_counter() when the
# engine took the message off its link, so the gateway can measure broker-to-socket latency.
# The envelope carries "position" and "epoch" when the broker numbers its messages.
Deliver = Callable[[str, dict[str, Any], float], None]
# history_started(epoch, head): the broker is (again) connected to the history named epoch,
# whose newest position is head (None: not known).
HistoryStarted = Callable[[str, int | None], None]
# history_lost(first, after): back on its history, the broker no longer holds the events from
# position first to after - 1, which this gateway never delivered (its link was down for
# longer than the history is kept).
HistoryLost = Callable[[int, int], None]


class BadMessage(ValueError):
    """A broker message that is not an event envelope; it is logged, counted and dropped."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def parse_envelope(body: bytes | str) -> dict[str, Any]:
    """Decode ``{"session_id": str | null, "data": {...}}``; unknown fields are kept."""
    try:
        envelope = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadMessage("not_json", "body is not JSON") from None
    if not isinstance(envelope, dict):
        raise BadMessage("not_an_envelope", "body is not a JSON object")
    if "data" not in envelope:
        raise BadMessage("not_an_envelope", "envelope has no 'data'")
    session_id = envelope.get("session_id")
    if session_id is not None and not isinstance(session_id, str):
        raise BadMessage("not_an_envelope", "'session_id' is neither a string nor null")
    return envelope


class Broker(abc.ABC):
    """A source of events. ``start`` returns once consuming has begun, so that a
    subscription made afterwards cannot miss an event published afterwards."""

    name = "broker"

    def __init__(self) -> None:
        self.connected = False
        self.dropped_by_reason: Counter[str] = Counter()
        self.reconnects = 0
        # Why the link is down, for /healthz; None while it is up.
        self.last_error: str | None = None

    @abc.abstractmethod
    async def start(
        self,
        deliver: Deliver,
        history: HistoryStarted | None = None,
        lost: HistoryLost | None = None,
    ) -> None:
        """Connect and call ``deliver(routing_key, envelope, received_at)`` for every event,
        ``history(epoch, head)`` whenever the link to a numbered history is made, and
        ``lost(first, after)`` if events were lost to this gateway meanwhile."""

    async def read_back(
        self, after: int, limit: int, until: int | None = None
    ) -> list[Past] | None:
        """Up to ``limit + 1`` events after position ``after`` from the broker's own history,
        oldest first, reading no further than ``until`` if given (where the caller's own
        window begins); None if it does not reach back that far (or keeps none)."""
        return None

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop consuming and disconnect."""

    def handle_body(
        self,
        deliver: Deliver,
        routing_key: str,
        body: bytes | str,
        received_at: float,
        position: int | None = None,
        epoch: str | None = None,
    ) -> None:
        """Decode one message and deliver it, numbered if ``position`` and ``epoch`` are
        given; a bad one is logged and dropped, never raised."""
        try:
            envelope = parse_envelope(body)
        except BadMessage as exc:
            self.drop(routing_key, exc)
            return
        if position is not None:
            envelope["position"] = position
            envelope["epoch"] = epoch
        deliver(routing_key, envelope, received_at)

    @property
    def dropped(self) -> int:
        """Messages dropped as malformed, whatever the reason."""
        return self.dropped_by_reason.total()

    def drop(self, routing_key: str | None, reason: BadMessage) -> None:
        self.dropped_by_reason[reason.reason] += 1
        logger.warning(
            "dropped a %s message on %r: %s", self.name, (routing_key or "")[:255], reason
        )


class Backoff:
    """Exponential delays with jitter: ``initial``, then doubling up to ``maximum``.

    Each delay is drawn between half and all of the current step, so that gateways which
    lost the same broker at once do not all come back at the same instant.
    """

    def __init__(self, initial: float, maximum: float) -> None:
        self.initial = initial
        self.maximum = maximum
        self._step = initial

    def next(self) -> float:
        step = self._step
        self._step = min(step * 2, self.maximum)
        return step / 2 + random.random() * step / 2

    def reset(self) -> None:
        self._step = self.initial


class SupervisedBroker(Broker):
    """A broker reached over the network: its link is kept up by a supervising task.

    ``start`` returns once the first attempt is over: consuming if it succeeded; otherwise
    the gateway serves its clients anyway and the link is retried, as it is whenever it is
    lost. Every attempt sets up the whole consumption (queue and binding, or LISTEN) again,
    so delivery resumes where the broker left nothing behind.

    Retries are 0.25 s apart at first, doubling up to 2 s, with jitter: short enough that
    delivery is back within a couple of seconds of the broker, however long it was away,
    and cheap (a refused TCP connection) while it is not. An outage is logged once, as a
    WARNING with its cause, and its end with how long it lasted; the attempts in between
    only at DEBUG.
    """

    def __init__(self, *, reconnect_delay: float = 0.25, max_reconnect_delay: float = 2.0) -> None:
        super().__init__()
        self.history_started: HistoryStarted = lambda epoch, head: None
        self.history_lost: HistoryLost = lambda first, after: None
        self.reconnect_delay = reconnect_delay
        self.max_reconnect_delay = max_reconnect_delay
        self._task: asyncio.Task | None = None

    @abc.abstractmethod
    async def consume(self, deliver: Deliver, ready: Callable[[], None]) -> None:
        """Connect, start consuming, call ``ready()``, and return or raise once the link is
        lost. Cancellation must close the link."""

    async def start(
        self,
        deliver: Deliver,
        history: HistoryStarted | None = None,
        lost: HistoryLost | None = None,
    ) -> None:
        self.history_started = history or (lambda epoch, head: None)
        self.history_lost = lost or (lambda first, after: None)
        first_attempt = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._supervise(deliver, first_attempt))
        await asyncio.shield(first_attempt)

    async def _supervise(self, deliver: Deliver, first_attempt: asyncio.Future[None]) -> None:
        backoff = Backoff(self.reconnect_delay, self.max_reconnect_delay)
        ever_up = False
        down_since: float | None = None

        def ready() -> None:
            nonlocal ever_up, down_since
            if ever_up:
                self.reconnects += 1
            if down_since is not None:
                logger.warning(
                    "%s link re-established after %.1f s",
                    self.name,
                    time.monotonic() - down_since,
                )
            ever_up = True
            down_since = None
            self.connected = True
            self.last_error = None
            backoff.reset()
            if not first_attempt.done():
                first_attempt.set_result(None)

        while True:
            try:
                await self.consume(deliver, ready)
                error = "the broker closed the link"
            except Exception as exc:  # whatever broke the link, it is retried
                error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            if down_since is None:
                down_since = time.monotonic()
                if self.connected:
                    logger.warning("%s link lost, reconnecting: %s", self.name, error)
                else:
                    logger.warning("%s is not reachable, retrying: %s", self.name, error)
            else:
                logger.debug("%s is still not reachable: %s", self.name, error)
            self.connected = False
            self.last_error = error
            if not first_attempt.done():
                first_attempt.set_result(None)
            await asyncio.sleep(backoff.next())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.connected = False
