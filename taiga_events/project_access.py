"""Asking the backend whether a user may view a project (HTTP, with the user's own token).

The backend is the authority on permissions; the gateway asks it with the caller's token
(or anonymously) and caches the answer briefly. When the backend cannot be reached the
answer is an error, never an allow.
"""

from __future__ import annotations

import asyncio
import time
import urllib.error
import urllib.request
from typing import Protocol


class BackendUnavailable(Exception):
    """The backend could not answer; subscriptions that need it are refused."""


class ProjectAccess(Protocol):
    async def can_view(self, project_id: int, user_id: int | None, token: str | None) -> bool: ...


class AllowAll:
    """``AUTHORIZATION=off``: the original gateway's behaviour, for operators who need it."""

    async def can_view(self, project_id: int, user_id: int | None, token: str | None) -> bool:
        return True


class BackendProjectAccess:
    """``GET {api_url}/projects/{id}``: 200 means viewable, 401/403/404 means not."""

    def __init__(self, api_url: str, *, cache_seconds: float = 30.0, timeout: float = 5.0) -> None:
        self.api_url = api_url.rstrip("/")
        self.cache_seconds = cache_seconds
        self.timeout = timeout
        self._cache: dict[tuple[int, int | None], tuple[float, bool]] = {}

    async def can_view(self, project_id: int, user_id: int | None, token: str | None) -> bool:
        key = (project_id, user_id)
        cached = self._cache.get(key)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        allowed = await asyncio.to_thread(self._fetch, project_id, token)
        self._cache[key] = (now + self.cache_seconds, allowed)
        return allowed

    def _fetch(self, project_id: int, token: str | None) -> bool:
        request = urllib.request.Request(f"{self.api_url}/projects/{project_id}")
        request.add_header("Accept", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status == 200
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403, 404):
                return False
            raise BackendUnavailable(f"backend answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise BackendUnavailable(f"backend unreachable: {exc}") from None
