"""One WebSocket connection's state: who it is and what it follows."""

from __future__ import annotations

from typing import Any


class ClientState:
    """Identity and subscriptions of one connection; hashed by identity in the hub."""

    __slots__ = ("session_id", "subscriptions", "token", "user_id", "websocket")

    def __init__(self, websocket: Any) -> None:
        self.websocket = websocket
        self.user_id: int | None = None
        self.token: str | None = None
        self.session_id: str | None = None
        # Normalized pattern → selfNotification.
        self.subscriptions: dict[str, bool] = {}

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None
