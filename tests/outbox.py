"""Starting a test's consumers with an empty outbox."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connection

from taiga.events.models import OutboxEvent
from taiga.events.relay import stop_relays


def discard_pending_events() -> None:
    """Forget the events that fixtures emitted before the test's consumers existed.

    The outbox keeps an event until a consumer has it (memory bus) or a queue took it
    (RabbitMQ), so these would reach the test's clients late, as they must in production.
    """
    stop_relays()
    OutboxEvent.objects.all().delete()


T = TypeVar("T")


async def in_thread(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` on a worker thread, from async code: Django's database calls
    refuse an event loop's thread. That thread's connection is closed afterwards, so that
    the test database can be dropped at the end."""

    def run() -> T:
        try:
            return function(*args)
        finally:
            connection.close()

    return await asyncio.to_thread(run)
