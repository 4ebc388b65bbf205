"""``manage.py events_relay``: relay the outbox from a process of its own."""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from taiga.events.backends import get_events_backend
from taiga.events.relay import get_relay


class Command(BaseCommand):
    help = (
        "Publish the events outbox to the broker until stopped (SIGTERM or Ctrl-C). One "
        "process relays at a time: others wait and take over if it dies."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not get_events_backend().blocking:
            raise CommandError(
                "the events backend publishes in-process (EVENTS_PUSH_BACKEND): only the "
                "process that runs the gateway can relay it; set a broker to relay apart"
            )
        relay = get_relay()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: relay.stop(timeout=0))
        self.stdout.write(f"relaying the events outbox as {relay.holder}")
        self.stdout.flush()
        relay.run()
        self.stdout.write("stopped")
