"""One WebSocket connection's state: who it is and what it follows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .authorization import Grant, Scope
from .limits import TokenBucket


@dataclass(slots=True)
class Subscription:
    """One ``subscribe`` the connection made, and what it currently delivers."""

    grant: Grant
    # The routing_key as the client sent it: unprompted error frames name it so.
    requested: str
    self_notification: bool
    # The patterns the hub indexes for it: the part of the pattern the user may receive.
    # Empty while suspended (the backend could not re-check it).
    patterns: tuple[str, ...]
    # The position after which it has delivered every event it matches (None: unknown),
    # so that a resume of another subscription does not send those again.
    since: int | None = None


class ClientState:
    """Identity and subscriptions of one connection; hashed by identity in the hub."""

    __slots__ = (
        "closed",
        "indexed",
        "rate",
        "scopes",
        "session_id",
        "subscriptions",
        "token",
        "token_expires_at",
        "user_id",
        "websocket",
    )

    def __init__(self, websocket: Any, rate: TokenBucket) -> None:
        self.websocket = websocket
        self.rate = rate
        self.user_id: int | None = None
        self.token: str | None = None
        self.token_expires_at = 0.0
        self.session_id: str | None = None
        self.closed = False
        # Canonical pattern → subscription.
        self.subscriptions: dict[str, Subscription] = {}
        # What the hub holds for this connection: pattern → selfNotification.
        self.indexed: dict[str, bool] = {}
        # The scopes whose permissions its subscriptions depend on (re-checked).
        self.scopes: set[Scope] = set()

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None
