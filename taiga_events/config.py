"""Gateway settings, from the original taiga-events' environment names and from flags."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, fields

BROKERS = ("rabbitmq", "postgresql", "memory")


class ConfigError(ValueError):
    """A setting that cannot be used; the message names it."""


@dataclass(frozen=True)
class Config:
    secret: str
    host: str | None = None
    port: int = 8888
    broker: str = "rabbitmq"
    rabbitmq_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    postgresql_url: str = "postgresql://127.0.0.1:5432/taiga"
    api_url: str = "http://localhost:9000/api/v1"
    user_id_claim: str = "user_id"
    authorization: bool = True
    permission_cache_seconds: float = 30.0
    log_level: str = "INFO"

    def __post_init__(self) -> None:
        if not self.secret:
            raise ConfigError("SECRET is required: the backend's SECRET_KEY, to verify tokens")
        if not 0 <= self.port < 65536:
            raise ConfigError(f"WEB_SOCKET_SERVER_PORT must be a port number, got {self.port}")
        if self.broker not in BROKERS:
            raise ConfigError(f"EVENTS_BROKER must be one of {', '.join(BROKERS)}")
        if logging.getLevelName(self.log_level.upper()) == f"Level {self.log_level.upper()}":
            raise ConfigError(f"LOG_LEVEL {self.log_level!r} is not a logging level")
        if self.permission_cache_seconds < 0:
            raise ConfigError("PERMISSION_CACHE_SECONDS must not be negative")


# Environment variable → Config field. The first six are the original taiga-events' names.
ENVIRONMENT = {
    "SECRET": "secret",
    "WEB_SOCKET_SERVER_PORT": "port",
    "RABBITMQ_URL": "rabbitmq_url",
    "USER_ID_CLAIM": "user_id_claim",
    "LOG_LEVEL": "log_level",
    "EVENTS_HOST": "host",
    "EVENTS_BROKER": "broker",
    "POSTGRESQL_URL": "postgresql_url",
    "TAIGA_API_URL": "api_url",
    "AUTHORIZATION": "authorization",
    "PERMISSION_CACHE_SECONDS": "permission_cache_seconds",
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _convert(name: str, field_type: str, value: str) -> object:
    try:
        if field_type == "int":
            return int(value)
        if field_type == "float":
            return float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if field_type == "bool":
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise ConfigError(f"{name} must be on or off, got {value!r}")
    return value


def load_config(environ: Mapping[str, str], **overrides: object) -> Config:
    """Build the config from the environment, then from explicit overrides (flags)."""
    types = {f.name: str(f.type) for f in fields(Config)}
    values: dict[str, object] = {}
    for variable, field_name in ENVIRONMENT.items():
        raw = environ.get(variable)
        if raw not in (None, ""):
            values[field_name] = _convert(variable, types[field_name].split(" ")[0], raw)
    values.update({k: v for k, v in overrides.items() if v is not None})
    values.setdefault("secret", "")
    return Config(**values)
