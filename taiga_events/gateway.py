"""The gateway's core: carries out client commands and fans broker events out.

It owns the hub (who follows what) and reacts to the two kinds of input, a client's
command and a broker's message. Sockets and broker connections live in thin adapters.
"""

from __future__ import annotations

import logging
from typing import Any

from websockets.asyncio.server import broadcast

from . import protocol
from .authorization import Forbidden, authorize
from .client_state import ClientState
from .hub import Hub
from .project_access import BackendUnavailable, ProjectAccess
from .protocol import ErrorCode, ProtocolError
from .routing import InvalidPattern, normalize_pattern, validate_pattern
from .tokens import InvalidToken, TokenVerifier

logger = logging.getLogger(__name__)

DEFAULT_MAX_SUBSCRIPTIONS = 100


class Gateway:
    def __init__(
        self,
        *,
        verifier: TokenVerifier,
        project_access: ProjectAccess,
        max_subscriptions: int = DEFAULT_MAX_SUBSCRIPTIONS,
    ) -> None:
        self.verifier = verifier
        self.project_access = project_access
        self.max_subscriptions = max_subscriptions
        self.hub = Hub()
        self.clients: set[ClientState] = set()
        self.events_received = 0
        self.frames_sent = 0

    # Broker side ------------------------------------------------------------------------

    def dispatch(self, routing_key: str, envelope: dict[str, Any]) -> None:
        """Send one broker message to every subscribed connection, encoded once."""
        self.events_received += 1
        recipients = self.hub.recipients(routing_key, envelope.get("session_id"))
        if not recipients:
            return
        envelope.pop("routing_key", None)
        frame = protocol.event_frame(routing_key, envelope)
        broadcast([client.websocket for client in recipients], frame, text=True)
        self.frames_sent += len(recipients)

    # Client side ------------------------------------------------------------------------

    def connect(self, websocket: Any) -> ClientState:
        client = ClientState(websocket)
        self.clients.add(client)
        return client

    def disconnect(self, client: ClientState) -> None:
        for pattern in client.subscriptions:
            self.hub.discard(client, pattern)
        client.subscriptions.clear()
        self.clients.discard(client)

    async def handle(self, client: ClientState, frame: str | bytes) -> bytes | None:
        """Carry out one client frame; returns the reply frame, if any."""
        try:
            command = protocol.parse_command(frame)
            match command:
                case protocol.Ping():
                    return protocol.pong(command.id)
                case protocol.Auth():
                    self._authenticate(client, command)
                case protocol.Subscribe():
                    await self._subscribe(client, command)
                case protocol.Unsubscribe():
                    self._unsubscribe(client, command)
        except ProtocolError as exc:
            return protocol.error(exc.code, exc.message, exc.command_id)
        return protocol.ack(command.id) if command.id is not None else None

    def _authenticate(self, client: ClientState, command: protocol.Auth) -> None:
        try:
            user_id = self.verifier.user_id(command.token)
        except InvalidToken as exc:
            raise ProtocolError(ErrorCode.AUTH_FAILED, str(exc), command.id) from None
        if client.user_id is not None and client.user_id != user_id:
            # Subscriptions were authorized for the previous user.
            self.disconnect(client)
            self.clients.add(client)
        client.user_id = user_id
        client.token = command.token
        client.session_id = command.session_id

    async def _subscribe(self, client: ClientState, command: protocol.Subscribe) -> None:
        try:
            pattern = normalize_pattern(validate_pattern(command.routing_key))
            grant = authorize(pattern, client.user_id)
        except InvalidPattern as exc:
            raise ProtocolError(ErrorCode.INVALID_ARGUMENT, str(exc), command.id) from None
        except Forbidden as exc:
            code = ErrorCode.NOT_AUTHENTICATED if exc.needs_auth else ErrorCode.FORBIDDEN
            raise ProtocolError(code, str(exc), command.id) from None
        if grant.pattern not in client.subscriptions and (
            len(client.subscriptions) >= self.max_subscriptions
        ):
            raise ProtocolError(
                ErrorCode.TOO_MANY_SUBSCRIPTIONS,
                f"at most {self.max_subscriptions} subscriptions per connection",
                command.id,
            )
        if grant.project_id is not None:
            await self._check_project(client, grant.project_id, command.id)
        client.subscriptions[grant.pattern] = command.self_notification
        self.hub.add(client, grant.pattern, command.self_notification)

    async def _check_project(self, client: ClientState, project_id: int, command_id: Any) -> None:
        try:
            allowed = await self.project_access.can_view(project_id, client.user_id, client.token)
        except BackendUnavailable as exc:
            logger.warning("permission check for project %s failed: %s", project_id, exc)
            raise ProtocolError(
                ErrorCode.INTERNAL, "permissions cannot be checked right now", command_id
            ) from None
        if not allowed:
            if client.user_id is None:
                raise ProtocolError(
                    ErrorCode.NOT_AUTHENTICATED,
                    f"project {project_id} is not public: send 'auth' first",
                    command_id,
                )
            raise ProtocolError(
                ErrorCode.FORBIDDEN, f"you may not view project {project_id}", command_id
            )

    def _unsubscribe(self, client: ClientState, command: protocol.Unsubscribe) -> None:
        pattern = normalize_pattern(command.routing_key)
        if client.user_id is not None and pattern.startswith("live_notifications"):
            pattern = f"live_notifications.{client.user_id}"
        if client.subscriptions.pop(pattern, None) is None:
            raise ProtocolError(
                ErrorCode.NOT_SUBSCRIBED, f"not subscribed to {command.routing_key!r}", command.id
            )
        self.hub.discard(client, pattern)
