"""The ``x-session-id`` header, made available to event emission for the current request.

A context variable rather than a thread-local: it is correct for sync views, async views
(each request runs in its own context) and threads (a new thread starts empty), and it is
reset when the request ends so that nothing leaks into the next one.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse

MAX_SESSION_ID_LENGTH = 128
_VALID_SESSION_ID = re.compile(rf"^[\x21-\x7e]{{1,{MAX_SESSION_ID_LENGTH}}}$")

_session_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "taiga_events_session_id", default=None
)


def get_current_session_id() -> str | None:
    """The session id of the request being served, or None outside a request."""
    return _session_id.get()


def set_current_session_id(session_id: str | None) -> contextvars.Token:
    """Set the session id explicitly (workers, tests); pass the token to reset it."""
    return _session_id.set(clean_session_id(session_id))


def reset_current_session_id(token: contextvars.Token) -> None:
    _session_id.reset(token)


def clean_session_id(value: str | None) -> str | None:
    """A usable session id, or None for a missing or absurd one (too long, control chars)."""
    if value and _VALID_SESSION_ID.match(value):
        return value
    return None


class SessionIDMiddleware:
    """Reads ``x-session-id`` into context-local state for the duration of the request."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if iscoroutinefunction(self):
            return self.__acall__(request)
        token = set_current_session_id(request.headers.get("x-session-id"))
        try:
            return self.get_response(request)
        finally:
            _session_id.reset(token)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        token = set_current_session_id(request.headers.get("x-session-id"))
        try:
            return await self.get_response(request)
        finally:
            _session_id.reset(token)
