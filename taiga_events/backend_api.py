"""Asking the backend what a user may see, over HTTP with the user's own token.

Two questions, both answered by our backend and by the original Taiga API alike:

- ``GET {api_url}/projects/{id}``: 200 with ``"my_permissions": [...]``; 403 or 404 (or
  401 to an anonymous question) means the user may not view the project (no permissions).
- ``GET {api_url}/users/me``: 200 with ``"is_superuser": bool``; 403 means not.

A 401 to a question asked with a token means the backend refuses that token (expired for
it, revoked, a user gone): TokenRefused, with the backend's reason, which the client is told.

Anything else (unreachable, timeout, another status, an unexpected body) raises
BackendUnavailable: the gateway then refuses, it never guesses.
"""

from __future__ import annotations

import asyncio
import http.client
import urllib.error
import urllib.request
from typing import Any

import orjson

from .authorization import ALL_PROJECTS, SUPERUSER, Scope
from .permissions import BackendUnavailable, TokenRefused

MAX_BODY_BYTES = 4 * 1024 * 1024
_DENIED = frozenset({401, 403, 404})


class BackendPermissions:
    """A PermissionSource that asks the backend's REST API."""

    def __init__(self, api_url: str, *, timeout: float = 5.0) -> None:
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout

    async def fetch(self, user_id: int | None, scope: Scope, token: str | None) -> frozenset[str]:
        if scope == ALL_PROJECTS:
            me = await asyncio.to_thread(self._get, "/users/me", token)
            superuser = me is not None and me.get("is_superuser") is True
            return frozenset({SUPERUSER}) if superuser else frozenset()
        project = await asyncio.to_thread(self._get, f"/projects/{scope}", token)
        if project is None:
            return frozenset()
        permissions = project.get("my_permissions")
        if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
            raise BackendUnavailable(f"project {scope} came without a 'my_permissions' list")
        return frozenset(permissions)

    def _get(self, path: str, token: str | None) -> dict[str, Any] | None:
        """The JSON object at ``path``, or None if the backend says the user may not see it."""
        request = urllib.request.Request(self.api_url + path)
        request.add_header("Accept", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read(MAX_BODY_BYTES + 1)
        except urllib.error.HTTPError as exc:
            with exc:
                if exc.code == 401 and token:
                    raise TokenRefused(_reason(exc)) from None
            if exc.code in _DENIED:
                return None
            raise BackendUnavailable(f"the backend answered {path} with HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            raise BackendUnavailable(f"the backend is unreachable: {reason}") from None
        if len(body) > MAX_BODY_BYTES:
            raise BackendUnavailable(f"the backend's answer to {path} is too large")
        try:
            answer = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise BackendUnavailable(f"the backend's answer to {path} is not JSON") from None
        if not isinstance(answer, dict):
            raise BackendUnavailable(f"the backend's answer to {path} is not a JSON object")
        return answer


def _reason(error: urllib.error.HTTPError) -> str:
    """The backend's own words for an error (``detail`` or ``_error_message``), if it said."""
    try:
        answer = orjson.loads(error.read(64 * 1024))
    except (orjson.JSONDecodeError, OSError, http.client.HTTPException):
        answer = None
    if isinstance(answer, dict):
        for field in ("detail", "_error_message"):
            if isinstance(answer.get(field), str) and answer[field]:
                return f"the backend refused the token: {answer[field][:200]}"
    return "the backend refused the token"
