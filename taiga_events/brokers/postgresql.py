"""PostgreSQL engine: ``LISTEN events``; each payload is an envelope plus ``routing_key``."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import psycopg

from .base import BadMessage, Broker, Deliver, parse_envelope

logger = logging.getLogger(__name__)

CHANNEL = "events"


class PostgresBroker(Broker):
    name = "postgresql"

    def __init__(self, url: str, *, reconnect_delay: float = 1.0) -> None:
        super().__init__()
        self.url = url
        self.reconnect_delay = reconnect_delay
        self._task: asyncio.Task | None = None

    async def start(self, deliver: Deliver) -> None:
        connection = await self._listen()
        self._task = asyncio.create_task(self._consume(connection, deliver))

    async def _listen(self) -> psycopg.AsyncConnection:
        connection = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
        await connection.execute(f"LISTEN {CHANNEL}")
        self.connected = True
        return connection

    async def _consume(self, connection: psycopg.AsyncConnection, deliver: Deliver) -> None:
        delay = self.reconnect_delay
        while True:
            try:
                async for notification in connection.notifies():
                    self._handle(deliver, notification.payload)
                    delay = self.reconnect_delay
            except psycopg.OperationalError as exc:
                logger.warning("PostgreSQL listener lost its connection: %s", exc)
            self.connected = False
            with contextlib.suppress(Exception):
                await connection.close()
            # Reconnect with capped exponential backoff until the database is back.
            while True:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                try:
                    connection = await self._listen()
                    logger.info("PostgreSQL listener reconnected")
                    break
                except psycopg.OperationalError as exc:
                    logger.warning("PostgreSQL listener cannot reconnect yet: %s", exc)

    def _handle(self, deliver: Deliver, payload: str) -> None:
        try:
            envelope = parse_envelope(payload)
            routing_key = envelope.pop("routing_key", None)
            if not isinstance(routing_key, str) or not routing_key:
                raise BadMessage("notification has no 'routing_key'")
        except BadMessage as exc:
            self.drop(None, exc)
            return
        deliver(routing_key, envelope)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.connected = False
