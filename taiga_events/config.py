"""Gateway settings, from the original taiga-events' environment names (also in a `.env`) and flags.

docs/GATEWAY.md describes each one.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from dotenv import dotenv_values

from .limits import Limits
from .tokens import HMAC_ALGORITHMS

BROKERS = ("rabbitmq", "postgresql", "memory")
LOG_FORMATS = ("json", "text")
# The original taiga-events' health port; ``taiga-events serve`` listens on it by default.
DEFAULT_APP_PORT = 3023
# Read from the working directory, as the original taiga-events does with dotenv.
DOTENV = Path(".env")
_LIMITS = Limits()


class ConfigError(ValueError):
    """A setting that cannot be used; the message names it."""


@dataclass(frozen=True)
class Config:
    secret: str
    host: str | None = None
    port: int = 8888
    # Health and metrics; None: not served (the gateway embedded in `make run`).
    app_port: int | None = None
    broker: str = "rabbitmq"
    rabbitmq_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    # RabbitMQ's stream of events (the history clients resume from); off: a queue per
    # gateway, as the original, and no resuming.
    stream: bool = True
    stream_name: str = "events.stream"
    stream_max_age: str = "1h"
    stream_max_bytes: int = 1_000_000_000
    postgresql_url: str = "postgresql://127.0.0.1:5432/taiga"
    api_url: str = "http://localhost:9000/api/v1"
    backend_timeout_seconds: float = 5.0
    user_id_claim: str = "user_id"
    jwt_algorithms: tuple[str, ...] = ("HS256",)
    jwt_leeway_seconds: float = 5.0
    jwt_audience: str | None = None
    jwt_issuer: str | None = None
    authorization: bool = True
    permission_cache_seconds: float = 30.0
    allowed_origins: tuple[str, ...] = ()
    max_frame_bytes: int = _LIMITS.max_frame_bytes
    max_subscriptions: int = _LIMITS.max_subscriptions
    command_rate: float = _LIMITS.command_rate
    command_burst: int = _LIMITS.command_burst
    max_routing_key_length: int = _LIMITS.max_routing_key_length
    max_routing_key_segments: int = _LIMITS.max_routing_key_segments
    send_buffer_bytes: int = _LIMITS.send_buffer_bytes
    history_size: int = _LIMITS.history_size
    replay_limit: int = _LIMITS.replay_limit
    shutdown_grace_seconds: float = 10.0
    log_level: str = "INFO"
    log_format: str = "json"
    # Gateway processes sharing the port (``workers``); the service runs one per core.
    workers: int = 1

    def __post_init__(self) -> None:
        if not self.secret:
            raise ConfigError("SECRET is required: the backend's SECRET_KEY, to verify tokens")
        for name, port in (("WEB_SOCKET_SERVER_PORT", self.port), ("APP_PORT", self.app_port)):
            if port is not None and not 0 <= port < 65536:
                raise ConfigError(f"{name} must be a port number, got {port}")
        if not re.fullmatch(r"\d+[YMDhms]", self.stream_max_age):
            raise ConfigError(
                f"STREAM_MAX_AGE must be a number and a unit (Y, M, D, h, m, s), "
                f"such as 1h, got {self.stream_max_age!r}"
            )
        if self.broker not in BROKERS:
            raise ConfigError(f"EVENTS_BROKER must be one of {', '.join(BROKERS)}")
        if logging.getLevelName(self.log_level.upper()) == f"Level {self.log_level.upper()}":
            raise ConfigError(f"LOG_LEVEL {self.log_level!r} is not a logging level")
        if self.log_format not in LOG_FORMATS:
            raise ConfigError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
        unknown = set(self.jwt_algorithms) - set(HMAC_ALGORITHMS)
        if unknown or not self.jwt_algorithms:
            raise ConfigError(f"ALGORITHM must list some of {', '.join(HMAC_ALGORITHMS)}")
        if self.jwt_leeway_seconds < 0:
            raise ConfigError("TOKEN_LEEWAY_SECONDS must not be negative")
        positive = {
            "PERMISSION_CACHE_SECONDS": self.permission_cache_seconds,
            "BACKEND_TIMEOUT_SECONDS": self.backend_timeout_seconds,
            "MAX_FRAME_BYTES": self.max_frame_bytes,
            "MAX_SUBSCRIPTIONS": self.max_subscriptions,
            "COMMAND_RATE": self.command_rate,
            "COMMAND_BURST": self.command_burst,
            "MAX_ROUTING_KEY_LENGTH": self.max_routing_key_length,
            "MAX_ROUTING_KEY_SEGMENTS": self.max_routing_key_segments,
            "SEND_BUFFER_BYTES": self.send_buffer_bytes,
            "HISTORY_SIZE": self.history_size,
            "STREAM_MAX_BYTES": self.stream_max_bytes,
            "REPLAY_LIMIT": self.replay_limit,
            "SHUTDOWN_GRACE_SECONDS": self.shutdown_grace_seconds,
            "EVENTS_WORKERS": self.workers,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ConfigError(f"{name} must be positive, got {value}")
        if self.workers > 1 and self.port == 0:
            raise ConfigError("several workers share one port: WEB_SOCKET_SERVER_PORT cannot be 0")

    @property
    def limits(self) -> Limits:
        return Limits(
            max_frame_bytes=self.max_frame_bytes,
            max_subscriptions=self.max_subscriptions,
            command_rate=self.command_rate,
            command_burst=self.command_burst,
            max_routing_key_length=self.max_routing_key_length,
            max_routing_key_segments=self.max_routing_key_segments,
            send_buffer_bytes=self.send_buffer_bytes,
            history_size=self.history_size,
            replay_limit=self.replay_limit,
        )


# Environment variable → Config field. SECRET … APP_PORT and ALGORITHM, AUDIENCE, ISSUER
# are the original taiga-events' names.
ENVIRONMENT = {
    "SECRET": "secret",
    "WEB_SOCKET_SERVER_PORT": "port",
    "RABBITMQ_URL": "rabbitmq_url",
    "STREAM": "stream",
    "STREAM_NAME": "stream_name",
    "STREAM_MAX_AGE": "stream_max_age",
    "STREAM_MAX_BYTES": "stream_max_bytes",
    "USER_ID_CLAIM": "user_id_claim",
    "LOG_LEVEL": "log_level",
    "APP_PORT": "app_port",
    "ALGORITHM": "jwt_algorithms",
    "AUDIENCE": "jwt_audience",
    "ISSUER": "jwt_issuer",
    "EVENTS_HOST": "host",
    "EVENTS_BROKER": "broker",
    "POSTGRESQL_URL": "postgresql_url",
    "TAIGA_API_URL": "api_url",
    "BACKEND_TIMEOUT_SECONDS": "backend_timeout_seconds",
    "TOKEN_LEEWAY_SECONDS": "jwt_leeway_seconds",
    "AUTHORIZATION": "authorization",
    "PERMISSION_CACHE_SECONDS": "permission_cache_seconds",
    "ALLOWED_ORIGINS": "allowed_origins",
    "MAX_FRAME_BYTES": "max_frame_bytes",
    "MAX_SUBSCRIPTIONS": "max_subscriptions",
    "COMMAND_RATE": "command_rate",
    "COMMAND_BURST": "command_burst",
    "MAX_ROUTING_KEY_LENGTH": "max_routing_key_length",
    "MAX_ROUTING_KEY_SEGMENTS": "max_routing_key_segments",
    "SEND_BUFFER_BYTES": "send_buffer_bytes",
    "HISTORY_SIZE": "history_size",
    "REPLAY_LIMIT": "replay_limit",
    "SHUTDOWN_GRACE_SECONDS": "shutdown_grace_seconds",
    "LOG_FORMAT": "log_format",
    "EVENTS_WORKERS": "workers",
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _convert(name: str, field_type: str, value: str) -> object:
    kind = field_type.split(" ")[0].split("[")[0]
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if kind == "bool":
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise ConfigError(f"{name} must be on or off, got {value!r}")
    if kind == "tuple":
        return tuple(item.strip() for item in value.split(",") if item.strip())
    return value


def with_dotenv(environ: Mapping[str, str], path: Path = DOTENV) -> dict[str, str]:
    """The settings of the ``.env`` file at ``path`` (if any), overridden by ``environ``.

    As dotenv does for the original: no ``$VAR`` expansion (a secret may hold a ``$``), a
    line that cannot be parsed is skipped with python-dotenv's warning naming its number.
    """
    try:
        values = dotenv_values(path, interpolate=False)
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{path} cannot be read: {exc.strerror}") from None
    return {**{k: v for k, v in values.items() if v is not None}, **environ}


def cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers may narrow)."""
    return len(os.sched_getaffinity(0))


def load_config(environ: Mapping[str, str], **overrides: object) -> Config:
    """Build the config from the environment, then from explicit overrides (flags).

    Unlike a Config built in code, the service serves health and metrics by default, and
    runs one worker per core.
    """
    types = {f.name: str(f.type) for f in fields(Config)}
    values: dict[str, object] = {"app_port": DEFAULT_APP_PORT, "workers": cores()}
    for variable, field_name in ENVIRONMENT.items():
        raw = environ.get(variable)
        if raw not in (None, ""):
            values[field_name] = _convert(variable, types[field_name], raw)
    values.update({k: v for k, v in overrides.items() if v is not None})
    values.setdefault("secret", "")
    return Config(**values)
