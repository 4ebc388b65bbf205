"""A wrong events setting stops the process at start-up with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _manage_check(**environ: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "taiga.settings.common", **environ}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"EVENTS_PUSH_BACKEND": "taiga.events.backends.kafka.EventsPushBackend"},
            "'taiga.events.backends.kafka.EventsPushBackend' cannot be imported",
        ),
        (
            {
                "EVENTS_PUSH_BACKEND": "taiga.events.backends.postgresql.EventsPushBackend",
                "DATABASE_URL": "sqlite:///:memory:",
            },
            "needs EVENTS_PUSH_BACKEND_URL",
        ),
    ],
)
def test_wrong_backend_settings_fail_at_start_up(environ: dict[str, str], message: str) -> None:
    result = _manage_check(**environ)
    assert result.returncode != 0
    assert message in result.stderr


def test_right_settings_start() -> None:
    result = _manage_check(
        EVENTS_PUSH_BACKEND="taiga.events.backends.rabbitmq.EventsPushBackend",
        EVENTS_PUSH_BACKEND_URL="amqp://guest:guest@127.0.0.1:5672/",
    )
    assert result.returncode == 0, result.stderr
