"""PostgreSQL backend: ``NOTIFY events, '<json>'`` on a connection of its own.

Its own connection, not the request's: a notification sent inside the request's
transaction would be held until commit, which breaks ``on_commit=False`` (live
notifications) and would tie event delivery to the ORM's connection handling.

Each event is numbered and kept in ``events_history`` for ``EVENTS_HISTORY_SECONDS`` (an
hour), in the transaction that notifies it (``taiga_events.brokers.pg_history``), so that
gateways can resume clients: the payload carries its ``position`` and ``epoch``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Sequence
from typing import Any

import orjson
import psycopg
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from taiga_events.brokers import pg_history

from ..payloads import split_to_fit
from .base import BaseEventsPushBackend

CHANNEL = "events"
# PostgreSQL rejects payloads of 8000 bytes or more.
MAX_PAYLOAD_BYTES = 7999
# Sizes a payload before its position is known: no position is longer.
_WIDEST_POSITION = 2**62
EXPIRE_EVERY_SECONDS = 60.0


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
        self._retention = float(getattr(settings, "EVENTS_HISTORY_SECONDS", 3600))
        self._lock = threading.Lock()
        self._connection: psycopg.Connection | None = None
        self._epoch = ""
        self._expired_at = 0.0

    def emit_event(self, message: dict[str, Any], *, routing_key: str) -> None:
        self.emit_events([(routing_key, message)])

    def emit_events(self, batch: Sequence[tuple[str, dict[str, Any]]]) -> Collection[int]:
        with self._lock:
            try:
                self._publish(batch)
            except psycopg.OperationalError:
                # The connection may have died since the last event: one fresh attempt.
                self._close_connection()
                self._publish(batch)
        return ()  # NOTIFY cannot tell whether anyone listens

    def _publish(self, batch: Sequence[tuple[str, dict[str, Any]]]) -> None:
        connection = self._connect()
        with connection.transaction(), connection.cursor() as cursor:
            cursor.execute(pg_history.LOCK)
            position = cursor.execute(pg_history.HEAD).fetchone()[0]
            rows = []
            for routing_key, message in batch:
                widest = {
                    "routing_key": routing_key,
                    **message,
                    "position": _WIDEST_POSITION,
                    "epoch": self._epoch,
                }
                for part in split_to_fit(widest, orjson.dumps, MAX_PAYLOAD_BYTES):
                    position += 1
                    rows.append(
                        (
                            position,
                            routing_key,
                            orjson.dumps({**part, "position": position}).decode(),
                        )
                    )
            cursor.executemany(pg_history.INSERT, rows)
            cursor.executemany(
                "SELECT pg_notify(%s, %s)", [(CHANNEL, payload) for _, _, payload in rows]
            )
            if time.monotonic() - self._expired_at > EXPIRE_EVERY_SECONDS:
                cursor.execute(pg_history.EXPIRE, [self._retention])
                self._expired_at = time.monotonic()

    def _connect(self) -> psycopg.Connection:
        if self._connection is None or self._connection.closed:
            connection = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5)
            with connection.transaction():
                for statement in pg_history.CREATE:
                    connection.execute(statement)
            self._epoch = connection.execute(pg_history.EPOCH).fetchone()[0]
            self._connection = connection
        return self._connection

    def _close_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def close(self) -> None:
        with self._lock:
            self._close_connection()
