"""Reaching the real services tests need: skip without them, fail when CI requires them."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

REQUIRED = os.environ.get("TAIGA_REQUIRE_SERVICES") == "1"

POSTGRESQL_URL = os.environ.get(
    "TEST_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")


def require(name: str, url: str) -> str:
    """Return ``url`` if its server accepts connections; otherwise skip (or fail in CI)."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=2):
            return url
    except OSError as exc:
        message = f"{name} is not reachable at {parts.hostname}:{parts.port}: {exc}"
        if REQUIRED:
            pytest.fail(f"{message} (TAIGA_REQUIRE_SERVICES=1)")
        pytest.skip(message)
