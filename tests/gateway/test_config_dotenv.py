"""A ``.env`` file in the working directory, read as the original taiga-events does."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from taiga_events.config import ConfigError, load_config, with_dotenv

DOTENV = """\
# the gateway's settings
SECRET=s3cret${HOME}
WEB_SOCKET_SERVER_PORT=9001
export RABBITMQ_URL="amqp://u:p@rabbit:5672/taiga"
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_dotenv_of_the_working_directory_is_read_as_written(workdir: Path) -> None:
    (workdir / ".env").write_text(DOTENV)
    config = load_config(with_dotenv({}))
    assert (config.secret, config.port, config.rabbitmq_url) == (
        "s3cret${HOME}",
        9001,
        "amqp://u:p@rabbit:5672/taiga",
    )


def test_the_environment_wins_over_the_dotenv(workdir: Path) -> None:
    (workdir / ".env").write_text(DOTENV)
    config = load_config(with_dotenv({"WEB_SOCKET_SERVER_PORT": "9002"}))
    assert (config.secret, config.port) == ("s3cret${HOME}", 9002)


def test_no_dotenv_leaves_the_environment_alone(workdir: Path) -> None:
    assert with_dotenv({"SECRET": "s"}) == {"SECRET": "s"}


def test_a_line_that_cannot_be_parsed_is_skipped_with_a_warning(
    workdir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (workdir / ".env").write_text("SECRET=s\nWEB SOCKET=1\nAPP_PORT=4000\n")
    with caplog.at_level(logging.WARNING):
        environ = with_dotenv({})
    assert environ == {"SECRET": "s", "APP_PORT": "4000"}
    assert "could not parse statement starting at line 2" in caplog.text


def test_a_dotenv_that_is_not_text_is_a_setting_error(workdir: Path) -> None:
    (workdir / ".env").write_bytes(b"SECRET=\xff\n")
    with pytest.raises(ConfigError, match=r"^\.env is not UTF-8 text$"):
        with_dotenv({})
