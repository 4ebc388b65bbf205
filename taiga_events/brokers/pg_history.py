"""The history of events published through PostgreSQL ``NOTIFY``: tables and statements
shared by the publisher (the backend's push backend) and the gateway. No I/O of its own.

``NOTIFY`` keeps nothing, so the publisher numbers each event and keeps it in
``events_history`` for a retention time; gateways read events back from it to resume
clients, and catch up on what was notified while their link was down. Numbering takes an
exclusive lock on the table for the length of the publishing transaction, so positions
follow each other without gaps in the order the notifications are delivered (commit order).
``events_history_epoch`` holds one random name for the history, made with the tables.
"""

from __future__ import annotations

from typing import Any

import orjson

from ..history import Past

# Both sides may be first: the DDL is idempotent, serialized by an advisory lock.
CREATE = [
    "SELECT pg_advisory_xact_lock(hashtext('events_history'))",
    """CREATE TABLE IF NOT EXISTS events_history (
        position bigint PRIMARY KEY,
        routing_key text NOT NULL,
        message text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
    )""",
    "CREATE TABLE IF NOT EXISTS events_history_epoch (epoch text NOT NULL)",
    """INSERT INTO events_history_epoch (epoch)
        SELECT md5(random()::text || clock_timestamp()::text)
        WHERE NOT EXISTS (SELECT 1 FROM events_history_epoch)""",
]
EPOCH = "SELECT epoch FROM events_history_epoch LIMIT 1"
HEAD = "SELECT coalesce(max(position), -1) FROM events_history"
LOCK = "LOCK TABLE events_history IN EXCLUSIVE MODE"
INSERT = "INSERT INTO events_history (position, routing_key, message) VALUES (%s, %s, %s)"
# The newest event always stays: its position is where numbering goes on.
EXPIRE = """DELETE FROM events_history
    WHERE created_at < now() - make_interval(secs => %s)
      AND position < (SELECT max(position) FROM events_history)"""
AFTER = """SELECT position, routing_key, message FROM events_history
    WHERE position > %s ORDER BY position LIMIT %s"""


def events_after(after: int, rows: list[tuple[int, str, str]], head: int) -> list[Past] | None:
    """The events of ``rows`` (read with ``AFTER``), or None if the table no longer holds
    the one right after ``after`` (expired) though the history went on past it."""
    if not rows:
        return [] if after >= head else None
    if rows[0][0] != after + 1:
        return None
    found = []
    for position, routing_key, message in rows:
        envelope: dict[str, Any] = orjson.loads(message)
        envelope.pop("routing_key", None)
        found.append(Past(position, routing_key, envelope))
    return found
