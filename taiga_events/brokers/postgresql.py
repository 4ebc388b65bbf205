"""PostgreSQL engine: ``LISTEN events``; each payload is an envelope plus ``routing_key``.

TCP keepalives are on (unless the URL sets them), so a link cut without a goodbye is
noticed and re-established like one the server closed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import psycopg
from psycopg.conninfo import conninfo_to_dict

from .base import BadMessage, Deliver, SupervisedBroker, parse_envelope

CHANNEL = "events"
_LINK_DEFAULTS = {
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

    async def consume(self, deliver: Deliver, ready: Callable[[], None]) -> None:
        options = {**_LINK_DEFAULTS, **conninfo_to_dict(self.url)}
        async with await psycopg.AsyncConnection.connect(autocommit=True, **options) as link:
            await link.execute(f"LISTEN {CHANNEL}")
            ready()
            async for notification in link.notifies():
                self._handle(deliver, notification.payload, time.perf_counter())

    def _handle(self, deliver: Deliver, payload: str, received_at: float) -> None:
        try:
            envelope = parse_envelope(payload)
            routing_key = envelope.pop("routing_key", None)
            if not isinstance(routing_key, str) or not routing_key:
                raise BadMessage("no_routing_key", "notification has no 'routing_key'")
        except BadMessage as exc:
            self.drop(None, exc)
            return
        deliver(routing_key, envelope, received_at)
