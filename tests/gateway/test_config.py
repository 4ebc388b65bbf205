import pytest

from taiga_events.config import Config, ConfigError, load_config


def test_original_environment_names_are_honoured() -> None:
    config = load_config(
        {
            "SECRET": "s",
            "WEB_SOCKET_SERVER_PORT": "9999",
            "RABBITMQ_URL": "amqp://u:p@rabbit:5672/taiga",
            "USER_ID_CLAIM": "uid",
            "LOG_LEVEL": "debug",
            "AUTHORIZATION": "off",
            "PERMISSION_CACHE_SECONDS": "2.5",
        }
    )
    assert config == Config(
        secret="s",
        port=9999,
        rabbitmq_url="amqp://u:p@rabbit:5672/taiga",
        user_id_claim="uid",
        log_level="debug",
        authorization=False,
        permission_cache_seconds=2.5,
    )


def test_flags_override_the_environment() -> None:
    config = load_config({"SECRET": "s", "EVENTS_BROKER": "postgresql"}, broker="memory", port=1)
    assert (config.broker, config.port) == ("memory", 1)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "SECRET is required"),
        ({"SECRET": "s", "WEB_SOCKET_SERVER_PORT": "eighty"}, "must be a number"),
        ({"SECRET": "s", "WEB_SOCKET_SERVER_PORT": "70000"}, "must be a port number"),
        ({"SECRET": "s", "EVENTS_BROKER": "kafka"}, "EVENTS_BROKER must be one of"),
        ({"SECRET": "s", "AUTHORIZATION": "maybe"}, "must be on or off"),
        ({"SECRET": "s", "LOG_LEVEL": "loud"}, "not a logging level"),
        ({"SECRET": "s", "PERMISSION_CACHE_SECONDS": "-1"}, "must not be negative"),
    ],
)
def test_bad_settings_are_named(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(environ)
