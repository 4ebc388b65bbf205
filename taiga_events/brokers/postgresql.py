"""PostgreSQL engine: ``LISTEN events``; each payload is an envelope plus ``routing_key``."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import orjson
import psycopg

from .base import Broker, Deliver

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
        routing_key = None
        with contextlib.suppress(orjson.JSONDecodeError):
            decoded = orjson.loads(payload)
            if isinstance(decoded, dict):
                routing_key = decoded.get("routing_key")
        if not isinstance(routing_key, str) or not routing_key:
            self.dropped += 1
            logger.warning("dropped a PostgreSQL notification without a routing_key")
            return
        self.handle_body(deliver, routing_key, payload)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.connected = False
