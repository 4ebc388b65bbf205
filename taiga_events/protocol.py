"""The client ↔ gateway WebSocket protocol: parsing commands and building replies, without I/O.

Clients send JSON text frames (DESIGN.md 2.2, docs/PROTOCOL.md). Unknown fields are
ignored, for forward compatibility. A command that carries an ``"id"`` is answered with an
``ack`` or an ``error`` frame; without an id only errors are reported (old clients ignore
them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

MAX_SESSION_ID_LENGTH = 128
MAX_TOKEN_LENGTH = 8192
MAX_EPOCH_LENGTH = 128


class ErrorCode:
    """Stable error codes of ``error`` frames; clients may switch on them."""

    INVALID_JSON = "invalid_json"
    INVALID_COMMAND = "invalid_command"
    UNKNOWN_COMMAND = "unknown_command"
    INVALID_ARGUMENT = "invalid_argument"
    AUTH_FAILED = "auth_failed"
    # Sent unprompted after an accepted auth whose permission claims were not: the
    # connection is authenticated and its subscriptions are checked with the backend.
    INVALID_PERMISSIONS = "invalid_permissions"
    NOT_AUTHENTICATED = "not_authenticated"
    FORBIDDEN = "forbidden"
    NOT_SUBSCRIBED = "not_subscribed"
    TOO_MANY_SUBSCRIPTIONS = "too_many_subscriptions"
    FRAME_TOO_LARGE = "frame_too_large"
    RATE_LIMITED = "rate_limited"
    BACKEND_UNAVAILABLE = "backend_unavailable"
    # Sent unprompted, with the subscription's "routing_key", after a permission re-check.
    SUBSCRIPTION_REVOKED = "subscription_revoked"
    SUBSCRIPTION_SUSPENDED = "subscription_suspended"
    INTERNAL = "internal_error"


class CloseCode:
    """WebSocket close codes the gateway itself sends (docs/PROTOCOL.md lists all)."""

    GOING_AWAY = 1001
    SLOW_CLIENT = 4000
    EVENTS_LOST = 4001


class ProtocolError(Exception):
    """A command that cannot be carried out; becomes an ``error`` frame."""

    def __init__(self, code: str, message: str, command_id: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.command_id = command_id


@dataclass(frozen=True, slots=True)
class Ping:
    id: Any = None


@dataclass(frozen=True, slots=True)
class Auth:
    token: str
    session_id: str | None
    id: Any = None
    # Permission claims the backend signed for the user (``data.permissions``), if sent.
    permissions: str | None = None


@dataclass(frozen=True, slots=True)
class Since:
    """Where a client stopped: the position of the last event it has, and its epoch."""

    position: int
    epoch: str


@dataclass(frozen=True, slots=True)
class Subscribe:
    routing_key: str
    self_notification: bool = False
    id: Any = None
    since: Since | None = None


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    routing_key: str
    id: Any = None


Command = Ping | Auth | Subscribe | Unsubscribe


def parse_command(frame: str | bytes, max_bytes: int | None = None) -> Command:
    """Parse one client frame into a command, or raise ProtocolError with a stable code."""
    if max_bytes is not None and _too_large(frame, max_bytes):
        raise ProtocolError(ErrorCode.FRAME_TOO_LARGE, f"frames are limited to {max_bytes} bytes")
    message = _load(frame)
    command_id = _command_id(message)
    cmd = message.get("cmd")
    if not isinstance(cmd, str):
        raise ProtocolError(ErrorCode.INVALID_COMMAND, "missing 'cmd'", command_id)
    parser = _PARSERS.get(cmd)
    if parser is None:
        raise ProtocolError(ErrorCode.UNKNOWN_COMMAND, f"unknown cmd {cmd[:32]!r}", command_id)
    return parser(message, command_id)


def _too_large(frame: str | bytes, max_bytes: int) -> bool:
    # A str has at least as many UTF-8 bytes as characters and at most four times as many:
    # only a frame in between is encoded to be measured.
    if len(frame) > max_bytes:
        return True
    if isinstance(frame, bytes) or len(frame) * 4 <= max_bytes:
        return False
    return len(frame.encode()) > max_bytes


def _load(frame: str | bytes) -> dict:
    try:
        message = orjson.loads(frame)
    except orjson.JSONDecodeError:
        raise ProtocolError(ErrorCode.INVALID_JSON, "frame is not valid JSON") from None
    if not isinstance(message, dict):
        raise ProtocolError(ErrorCode.INVALID_COMMAND, "frame must be a JSON object")
    return message


def _command_id(message: dict) -> Any:
    command_id = message.get("id")
    if command_id is not None and (
        isinstance(command_id, bool) or not isinstance(command_id, (str, int))
    ):
        raise ProtocolError(ErrorCode.INVALID_ARGUMENT, "id must be a string or an integer")
    return command_id


def _parse_ping(message: dict, command_id: Any) -> Ping:
    return Ping(command_id)


def _parse_auth(message: dict, command_id: Any) -> Auth:
    data = message.get("data")
    if not isinstance(data, dict):
        raise ProtocolError(ErrorCode.INVALID_ARGUMENT, "auth needs a 'data' object", command_id)
    token = data.get("token")
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise ProtocolError(
            ErrorCode.INVALID_ARGUMENT, "auth needs 'data.token', a non-empty string", command_id
        )
    session_id = data.get("sessionId")
    if session_id is not None and (
        not isinstance(session_id, str) or len(session_id) > MAX_SESSION_ID_LENGTH
    ):
        raise ProtocolError(
            ErrorCode.INVALID_ARGUMENT,
            f"'data.sessionId' must be a string of at most {MAX_SESSION_ID_LENGTH} characters",
            command_id,
        )
    permissions = data.get("permissions")
    if permissions is not None and (
        not isinstance(permissions, str) or not permissions or len(permissions) > MAX_TOKEN_LENGTH
    ):
        raise ProtocolError(
            ErrorCode.INVALID_ARGUMENT,
            f"'data.permissions' must be a string of 1 to {MAX_TOKEN_LENGTH} characters",
            command_id,
        )
    return Auth(token, session_id or None, command_id, permissions)


def _routing_key(message: dict, command_id: Any) -> str:
    routing_key = message.get("routing_key")
    if not isinstance(routing_key, str):
        raise ProtocolError(
            ErrorCode.INVALID_ARGUMENT, "'routing_key' must be a string", command_id
        )
    return routing_key


def _parse_subscribe(message: dict, command_id: Any) -> Subscribe:
    routing_key = _routing_key(message, command_id)
    options = message.get("options")
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise ProtocolError(ErrorCode.INVALID_ARGUMENT, "'options' must be an object", command_id)
    self_notification = options.get("selfNotification", False)
    if not isinstance(self_notification, bool):
        raise ProtocolError(
            ErrorCode.INVALID_ARGUMENT, "'options.selfNotification' must be a boolean", command_id
        )
    return Subscribe(routing_key, self_notification, command_id, _since(message, command_id))


def _since(message: dict, command_id: Any) -> Since | None:
    since = message.get("since")
    if since is None:
        return None
    position = since.get("position") if isinstance(since, dict) else None
    epoch = since.get("epoch") if isinstance(since, dict) else None
    if isinstance(position, bool) or not isinstance(position, int) or position < -1:
        raise ProtocolError(
            ErrorCode.INVALID_ARGUMENT,
            '\'since\' must be {"position": an integer from -1 on, "epoch": a string}',
            command_id,
        )
    if not isinstance(epoch, str) or not epoch or len(epoch) > MAX_EPOCH_LENGTH:
        raise ProtocolError(
            ErrorCode.INVALID_ARGUMENT,
            f"'since.epoch' must be a string of 1 to {MAX_EPOCH_LENGTH} characters",
            command_id,
        )
    return Since(position, epoch)


def _parse_unsubscribe(message: dict, command_id: Any) -> Unsubscribe:
    return Unsubscribe(_routing_key(message, command_id), command_id)


_PARSERS = {
    "ping": _parse_ping,
    "auth": _parse_auth,
    "subscribe": _parse_subscribe,
    "unsubscribe": _parse_unsubscribe,
}

PONG = orjson.dumps({"cmd": "pong"})


def pong(command_id: Any = None, **fields: Any) -> bytes:
    """The reply to ``ping``: bare as the original's, or, to a ping with an id, with the id
    and where the history stands (``position``, ``epoch``)."""
    if command_id is None:
        return PONG
    return orjson.dumps({"cmd": "pong", "id": command_id, **fields})


def ack(command_id: Any, **fields: Any) -> bytes:
    """``{"cmd": "ack", "id"}`` and what else the command has to say (a subscription's
    position and epoch, whether it was recovered)."""
    return orjson.dumps({"cmd": "ack", "id": command_id, **fields})


def error(code: str, message: str, command_id: Any = None, routing_key: str | None = None) -> bytes:
    """An ``error`` frame; ``routing_key`` names the subscription an unprompted one is about."""
    frame = {"cmd": "error", "id": command_id, "code": code, "message": message}
    if routing_key is not None:
        frame["routing_key"] = routing_key
    return orjson.dumps(frame)


def event_frame(routing_key: str, envelope: dict) -> bytes:
    """Encode one event for every recipient: the envelope with its own routing key added."""
    return orjson.dumps({"routing_key": routing_key, **envelope})
