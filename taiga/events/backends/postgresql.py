"""PostgreSQL backend: ``NOTIFY events, '<json>'`` on a connection of its own.

Its own autocommit connection, not the request's: a notification sent inside the request's
transaction would be held until commit, which breaks ``on_commit=False`` (live
notifications) and would tie event delivery to the ORM's connection handling.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from typing import Any

import orjson
import psycopg
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..payloads import split_to_fit
from .base import BaseEventsPushBackend

CHANNEL = "events"
# PostgreSQL rejects payloads of 8000 bytes or more.
MAX_PAYLOAD_BYTES = 7999


def _django_database_conninfo() -> str:
    database = settings.DATABASES["default"]
    if "postgresql" not in database["ENGINE"]:
        raise ImproperlyConfigured(
            "the PostgreSQL events backend needs EVENTS_PUSH_BACKEND_URL "
            "(postgresql://…) when the default database is not PostgreSQL"
        )
    params = {
        "dbname": database.get("NAME"),
        "user": database.get("USER"),
        "password": database.get("PASSWORD"),
        "host": database.get("HOST"),
        "port": database.get("PORT"),
    }
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in params.items() if v})


class EventsPushBackend(BaseEventsPushBackend):
    def __init__(self, url: str = "") -> None:
        super().__init__(url)
        self._conninfo = url or _django_database_conninfo()
        self._lock = threading.Lock()
        self._connection: psycopg.Connection | None = None

    def emit_event(self, message: dict[str, Any], *, routing_key: str) -> None:
        self.emit_events([(routing_key, message)])

    def emit_events(self, batch: Sequence[tuple[str, dict[str, Any]]]) -> Collection[int]:
        payloads = [
            payload
            for routing_key, message in batch
            for payload in split_to_fit(
                {"routing_key": routing_key, **message}, orjson.dumps, MAX_PAYLOAD_BYTES
            )
        ]
        with self._lock:
            try:
                self._notify(payloads)
            except psycopg.OperationalError:
                # The connection may have died since the last event: one fresh attempt.
                self._close_connection()
                self._notify(payloads)
        return ()  # NOTIFY cannot tell whether anyone listens

    def _notify(self, payloads: list[bytes]) -> None:
        if self._connection is None or self._connection.closed:
            self._connection = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5)
        with self._connection.cursor() as cursor:
            cursor.executemany(
                "SELECT pg_notify(%s, %s)", [(CHANNEL, payload.decode()) for payload in payloads]
            )

    def _close_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def close(self) -> None:
        with self._lock:
            self._close_connection()
