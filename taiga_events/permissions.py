"""Permissions as the backend tells them, cached per user and scope. No I/O of its own.

The backend is the authority; asking it costs an HTTP round trip, so answers are kept for
a configurable time and concurrent questions about the same user and scope share one ask.
An answer that could not be had is an error, never an allow, and is not kept. Answers the
backend signed in advance (permission claims) are kept the same way, never for longer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

from .authorization import Scope


class BackendUnavailable(Exception):
    """The backend could not answer; what needs the answer is refused."""


class TokenRefused(Exception):
    """The backend refused the token the gateway accepted; the message is its reason."""


class PermissionSource(Protocol):
    async def fetch(self, user_id: int | None, scope: Scope, token: str | None) -> frozenset[str]:
        """The permissions of ``user_id`` (None: anonymous) in ``scope``, asked with ``token``.

        Raises BackendUnavailable when the backend cannot say, TokenRefused when it refuses
        ``token``.
        """


Key = tuple[int | None, Scope]


class PermissionCache:
    """Answers of a PermissionSource, each kept ``ttl`` seconds."""

    def __init__(
        self,
        source: PermissionSource,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.ttl = ttl
        self._clock = clock
        self._answers: dict[Key, tuple[float, frozenset[str]]] = {}
        self._asking: dict[Key, asyncio.Future[frozenset[str]]] = {}
        self._next_sweep = 0.0

    async def get(
        self, user_id: int | None, scope: Scope, token: str | None, *, fresh: bool = False
    ) -> frozenset[str]:
        """The permissions, from the cache unless expired or ``fresh`` is asked for."""
        key = (user_id, scope)
        now = self._clock()
        answer = self._answers.get(key)
        if answer is not None and answer[0] > now and not fresh:
            return answer[1]
        asking = self._asking.get(key)
        if asking is None:
            asking = asyncio.ensure_future(self._ask(key, token))
            # Its outcome is retrieved even if every asker has given up in the meantime.
            asking.add_done_callback(lambda done: done.cancelled() or done.exception())
            self._asking[key] = asking
        # Shielded: one asker giving up (its client went away) must not cancel the others'.
        return await asyncio.shield(asking)

    def seed(
        self, user_id: int | None, scope: Scope, permissions: frozenset[str], lifetime: float
    ) -> bool:
        """Keep an answer the backend gave in advance, for ``lifetime`` seconds (at most the
        ttl), unless the one kept already lasts as long. Returns whether it was kept."""
        key = (user_id, scope)
        now = self._clock()
        expiry = now + min(lifetime, self.ttl)
        answer = self._answers.get(key)
        if expiry <= now or (answer is not None and answer[0] >= expiry):
            return False
        self._sweep(now)
        self._answers[key] = (expiry, permissions)
        return True

    def remaining(self, user_id: int | None, scope: Scope) -> float:
        """Seconds until the kept answer about ``user_id`` in ``scope`` expires (0: none)."""
        answer = self._answers.get((user_id, scope))
        return 0.0 if answer is None else max(0.0, answer[0] - self._clock())

    async def _ask(self, key: Key, token: str | None) -> frozenset[str]:
        try:
            permissions = await self.source.fetch(key[0], key[1], token)
        finally:
            del self._asking[key]
        now = self._clock()
        self._sweep(now)
        self._answers[key] = (now + self.ttl, permissions)
        return permissions

    def _sweep(self, now: float) -> None:
        # Expired answers of users and projects nobody asks about any more; at most once a ttl.
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.ttl
        for key in [key for key, (expiry, _) in self._answers.items() if expiry <= now]:
            del self._answers[key]
