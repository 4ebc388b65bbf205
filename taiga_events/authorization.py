"""Which subscription patterns a connection may use, without I/O.

The rules of DESIGN.md 2.2 that can be decided from the pattern and the connection's user
alone. Per-project permissions (may this user view project N?) are asked of the backend
by the caller for the project this returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .routing import is_wildcard

_PROJECT = re.compile(r"^changes\.project\.(\d+)(?:\..*)?$")
_WEB_NOTIFICATIONS = re.compile(r"^web_notifications\.(.+)$")
_LIVE_NOTIFICATIONS = re.compile(r"^live_notifications(?:\..*)?$")


class Forbidden(Exception):
    """The pattern is not allowed for this connection; the message says why."""

    def __init__(self, message: str, *, needs_auth: bool = False) -> None:
        super().__init__(message)
        self.needs_auth = needs_auth


@dataclass(frozen=True, slots=True)
class Grant:
    """A pattern the connection may subscribe to, once ``project_id`` (if any) is viewable."""

    pattern: str
    project_id: int | None = None


def authorize(pattern: str, user_id: int | None) -> Grant:
    """Decide what subscribing to ``pattern`` means for ``user_id`` (None: anonymous)."""
    project = _PROJECT.match(pattern)
    if project:
        return Grant(pattern, int(project.group(1)))
    if user_id is None:
        raise Forbidden(f"subscribing to {pattern!r} needs 'auth' first", needs_auth=True)
    if _LIVE_NOTIFICATIONS.match(pattern):
        # As the original gateway does: a live-notification subscription is always the
        # caller's own, whatever id the pattern names.
        return Grant(f"live_notifications.{user_id}")
    web = _WEB_NOTIFICATIONS.match(pattern)
    if web:
        if web.group(1) != str(user_id):
            raise Forbidden("web notifications can only be followed for your own user")
        return Grant(pattern)
    if pattern == "notifications":
        return Grant(pattern)
    if pattern.startswith("changes.") or is_wildcard(pattern.split(".", 1)[0]):
        return Grant(pattern)
    raise Forbidden(f"unknown routing key family in {pattern!r}")
