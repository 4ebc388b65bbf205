import os

import pytest

from taiga_events.config import Config, ConfigError, cores, load_config
from taiga_events.limits import Limits


def test_original_environment_names_are_honoured() -> None:
    config = load_config(
        {
            "SECRET": "s",
            "WEB_SOCKET_SERVER_PORT": "9999",
            "APP_PORT": "4000",
            "RABBITMQ_URL": "amqp://u:p@rabbit:5672/taiga",
            "USER_ID_CLAIM": "uid",
            "LOG_LEVEL": "debug",
            "ALGORITHM": "HS256, HS512",
            "AUDIENCE": "taiga",
            "ISSUER": "https://taiga.example",
        }
    )
    assert config == Config(
        secret="s",
        port=9999,
        app_port=4000,
        rabbitmq_url="amqp://u:p@rabbit:5672/taiga",
        user_id_claim="uid",
        log_level="debug",
        jwt_algorithms=("HS256", "HS512"),
        jwt_audience="taiga",
        jwt_issuer="https://taiga.example",
        workers=cores(),
    )


def test_every_setting_has_an_environment_name() -> None:
    config = load_config(
        {
            "SECRET": "s",
            "AUTHORIZATION": "off",
            "PERMISSION_CACHE_SECONDS": "2.5",
            "BACKEND_TIMEOUT_SECONDS": "1",
            "TOKEN_LEEWAY_SECONDS": "0",
            "ALLOWED_ORIGINS": "https://a.example, https://b.example",
            "MAX_FRAME_BYTES": "1000",
            "MAX_SUBSCRIPTIONS": "3",
            "COMMAND_RATE": "2",
            "COMMAND_BURST": "4",
            "MAX_ROUTING_KEY_LENGTH": "50",
            "MAX_ROUTING_KEY_SEGMENTS": "6",
            "SEND_BUFFER_BYTES": "65536",
            "SHUTDOWN_GRACE_SECONDS": "1.5",
            "LOG_FORMAT": "text",
            "EVENTS_WORKERS": "3",
        }
    )
    assert not config.authorization
    assert config.permission_cache_seconds == 2.5
    assert config.backend_timeout_seconds == 1
    assert config.jwt_leeway_seconds == 0
    assert config.allowed_origins == ("https://a.example", "https://b.example")
    assert config.limits == Limits(1000, 3, 2, 4, 50, 6, 65536)
    assert config.shutdown_grace_seconds == 1.5
    assert config.log_format == "text"
    assert config.workers == 3


def test_the_service_serves_health_by_default_an_embedded_gateway_does_not() -> None:
    assert load_config({"SECRET": "s"}).app_port == 3023
    assert Config(secret="s").app_port is None


def test_the_service_runs_a_worker_per_core_by_default_an_embedded_gateway_one() -> None:
    assert load_config({"SECRET": "s"}).workers == len(os.sched_getaffinity(0))
    assert load_config({"SECRET": "s"}, workers=1).workers == 1
    assert Config(secret="s").workers == 1


def test_flags_override_the_environment() -> None:
    config = load_config({"SECRET": "s", "EVENTS_BROKER": "postgresql"}, broker="memory", port=1)
    assert (config.broker, config.port) == ("memory", 1)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "SECRET is required"),
        ({"SECRET": "s", "WEB_SOCKET_SERVER_PORT": "eighty"}, "must be a number"),
        ({"SECRET": "s", "WEB_SOCKET_SERVER_PORT": "70000"}, "must be a port number"),
        ({"SECRET": "s", "APP_PORT": "-1"}, "APP_PORT must be a port number"),
        ({"SECRET": "s", "EVENTS_BROKER": "kafka"}, "EVENTS_BROKER must be one of"),
        ({"SECRET": "s", "AUTHORIZATION": "maybe"}, "must be on or off"),
        ({"SECRET": "s", "LOG_LEVEL": "loud"}, "not a logging level"),
        ({"SECRET": "s", "LOG_FORMAT": "xml"}, "LOG_FORMAT must be one of"),
        ({"SECRET": "s", "ALGORITHM": "RS256"}, "ALGORITHM must list some of"),
        ({"SECRET": "s", "ALGORITHM": "none"}, "ALGORITHM must list some of"),
        ({"SECRET": "s", "ALGORITHM": ","}, "ALGORITHM must list some of"),
        ({"SECRET": "s", "TOKEN_LEEWAY_SECONDS": "-1"}, "must not be negative"),
        ({"SECRET": "s", "PERMISSION_CACHE_SECONDS": "0"}, "must be positive"),
        ({"SECRET": "s", "MAX_FRAME_BYTES": "0"}, "MAX_FRAME_BYTES must be positive"),
        ({"SECRET": "s", "COMMAND_RATE": "-3"}, "COMMAND_RATE must be positive"),
        ({"SECRET": "s", "SEND_BUFFER_BYTES": "0"}, "SEND_BUFFER_BYTES must be positive"),
        ({"SECRET": "s", "EVENTS_WORKERS": "0"}, "EVENTS_WORKERS must be positive"),
        (
            {"SECRET": "s", "EVENTS_WORKERS": "2", "WEB_SOCKET_SERVER_PORT": "0"},
            "WEB_SOCKET_SERVER_PORT cannot be 0",
        ),
    ],
)
def test_bad_settings_are_named(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(environ)
