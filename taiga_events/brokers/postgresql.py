"""PostgreSQL engine: ``LISTEN events``; each payload is an envelope plus ``routing_key``,
and, from this project's publisher, its ``position`` and ``epoch``.

TCP keepalives are on (unless the URL sets them), so a link cut without a goodbye is
noticed and re-established like one the server closed. When the link is made again the
gateway first delivers what was published meanwhile, read from ``events_history``
(``pg_history``), so its clients miss nothing; older events are read from there too to
resume clients (``read_back``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import psycopg
from psycopg.conninfo import conninfo_to_dict

from ..history import Past
from . import pg_history
from .base import BadMessage, Deliver, SupervisedBroker, parse_envelope

CHANNEL = "events"
CATCH_UP_BATCH = 10_000
_LINK_DEFAULTS = {
    "application_name": "taiga-events",
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


class PostgresBroker(SupervisedBroker):
    name = "postgresql"

    def __init__(self, url: str, **backoff: float) -> None:
        super().__init__(**backoff)
        self.url = url
        self._options = {**_LINK_DEFAULTS, **conninfo_to_dict(url)}
        # The history followed and the newest position delivered from it.
        self._epoch: str | None = None
        self._delivered: int | None = None

    async def consume(self, deliver: Deliver, ready: Callable[[], None]) -> None:
        async with await psycopg.AsyncConnection.connect(autocommit=True, **self._options) as link:
            async with link.transaction():
                for statement in pg_history.CREATE:
                    await link.execute(statement)
            epoch = await _value(link, pg_history.EPOCH)
            await link.execute(f"LISTEN {CHANNEL}")
            head = await _value(link, pg_history.HEAD)
            if epoch != self._epoch:
                self._epoch, self._delivered = epoch, None
            # What was published while the link was down, before anything notified since.
            while self._delivered is not None and self._delivered < head:
                rows = await _rows(link, pg_history.AFTER, self._delivered, CATCH_UP_BATCH)
                oldest = rows[0][0] if rows else head + 1
                if oldest > self._delivered + 1:  # expired from the table meanwhile
                    self.history_lost(self._delivered + 1, oldest)
                    self._delivered = oldest - 1
                if not rows:
                    break
                for position, routing_key, message in rows:
                    self._handle(deliver, message, time.perf_counter(), routing_key, position)
            # Only now: the gateway tells clients that they have every event up to the head.
            self.history_started(epoch, head)
            ready()
            async for notification in link.notifies():
                self._handle(deliver, notification.payload, time.perf_counter())

    async def read_back(
        self, after: int, limit: int, until: int | None = None
    ) -> list[Past] | None:
        async with await psycopg.AsyncConnection.connect(autocommit=True, **self._options) as link:
            head = await _value(link, pg_history.HEAD)
            rows = await _rows(link, pg_history.AFTER, after, limit + 1)
        return pg_history.events_after(after, rows, head)

    def _handle(
        self,
        deliver: Deliver,
        payload: str,
        received_at: float,
        routing_key: str | None = None,
        position: int | None = None,
    ) -> None:
        try:
            envelope = parse_envelope(payload)
            routing_key = envelope.pop("routing_key", routing_key)
            if not isinstance(routing_key, str) or not routing_key:
                raise BadMessage("no_routing_key", "notification has no 'routing_key'")
        except BadMessage as exc:
            self.drop(None, exc)
            return
        position = envelope.get("position", position)
        if isinstance(position, int) and envelope.get("epoch") == self._epoch:
            if self._delivered is not None and position <= self._delivered:
                return  # caught up already
            self._delivered = position
        else:  # not numbered by this project's publisher (or wrongly): not resumable
            envelope.pop("position", None)
            envelope.pop("epoch", None)
        deliver(routing_key, envelope, received_at)


async def _value(link: psycopg.AsyncConnection, query: str) -> object:
    cursor = await link.execute(query)
    return (await cursor.fetchone())[0]


async def _rows(link: psycopg.AsyncConnection, query: str, *params: object) -> list[tuple]:
    cursor = await link.execute(query, params)
    return await cursor.fetchall()
