"""Permission claims on the client side: what the user may see, signed by the backend
(``GET /api/v1/events/permissions``), sent with ``auth`` so that the gateway authorizes the
subscriptions without asking the backend. After a gateway restart every client comes back
at once; with claims still fresh in hand, none of them costs the backend a request.

Claims are kept while fresh and covering the projects followed, and replaced at two thirds
of their lifetime, so that those in hand always have a third of it left. A source that
fails keeps the claims still valid and is asked again later; without valid claims ``auth``
goes without (the gateway then asks the backend, as for any client). The JavaScript client
does the same (``clients/js/claims.js``).
"""

from __future__ import annotations

import base64
import binascii
import inspect
import re
import time
from collections.abc import Awaitable, Callable, Iterable

import orjson

# Replace claims once this fraction of their lifetime has passed.
REFRESH_AT = 2 / 3
# Seconds before a source that failed is asked again.
RETRY_SECONDS = 10.0

# New claims for these projects: the ``token`` of the backend's answer (sync or async).
ClaimsSource = Callable[[list[int]], str | Awaitable[str]]

_PROJECT = re.compile(r"^changes\.project\.(\d+)(?:\.|$)")


def project_ids(patterns: Iterable[str]) -> list[int]:
    """The ids of the projects whose changes some of ``patterns`` follow."""
    return sorted({int(match.group(1)) for p in patterns if (match := _PROJECT.match(p))})


def read_claims(token: str) -> tuple[float, frozenset[int]] | None:
    """The lifetime in seconds (``exp - iat``) of claims (a JWT) and the projects they
    cover; None if they do not say. They are read, not verified: the gateway verifies."""
    try:
        payload = token.split(".")[1]
        claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        iat, exp, projects = claims["iat"], claims["exp"], claims.get("projects") or {}
        lifetime = float(exp) - float(iat)
        covered = frozenset(int(project) for project in projects)
    except (IndexError, KeyError, TypeError, ValueError, AttributeError, binascii.Error):
        return None
    return (lifetime, covered) if lifetime > 0 else None


class Claims:
    """The claims of one client, and when to replace them."""

    def __init__(self, source: ClaimsSource, clock: Callable[[], float] = time.monotonic):
        self._source = source
        self._clock = clock
        self._token: str | None = None
        self._projects: frozenset[int] = frozenset()
        self._refresh_at = 0.0
        self._expires_at = 0.0

    async def get(self, ids: list[int], *, fresh: bool = False) -> str | None:
        """Claims to send with ``auth``: those kept while fresh and covering ``ids``, else
        new ones from the source (``fresh``: new ones in any case); None without valid ones."""
        now = self._clock()
        kept = self._token is not None and self._projects.issuperset(ids)
        if not fresh and kept and now < self._refresh_at and now < self._expires_at:
            return self._token
        try:
            token = self._source(ids)
            if inspect.isawaitable(token):
                token = await token
        except Exception:  # the backend may be away for a moment: what is valid will do
            token = None
        now = self._clock()
        claims = read_claims(token) if isinstance(token, str) else None
        if claims is None:
            self._refresh_at = now + RETRY_SECONDS
            return self._token if now < self._expires_at else None
        self._token, (lifetime, self._projects) = token, claims
        self._refresh_at = now + lifetime * REFRESH_AT
        self._expires_at = now + lifetime
        return token

    def refresh_in(self) -> float:
        """Seconds until the claims should be replaced (asked again, after a failure)."""
        return max(0.0, self._refresh_at - self._clock())
