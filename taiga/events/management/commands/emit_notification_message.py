from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from taiga.events.events import emit_system_notification
from taiga.events.relay import get_relay


class Command(BaseCommand):
    help = "Send a system notification to every client following 'notifications'."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--title", help="headline of the message")
        parser.add_argument("--desc", help="body of the message")
        parser.add_argument("args", nargs="*", help="title and description (the old form)")
        parser.add_argument(
            "--wait",
            type=float,
            default=10.0,
            metavar="SECONDS",
            help="how long to wait for a relay to deliver it (default 10)",
        )

    def handle(
        self, *args: str, title: str | None, desc: str | None, wait: float, **options: Any
    ) -> None:
        positional = list(args)
        title = title or (positional.pop(0) if positional else None)
        desc = desc or (positional.pop(0) if positional else None)
        if not title or desc is None or positional:
            raise CommandError('usage: emit_notification_message --title "…" --desc "…"')
        event_id = emit_system_notification(title, desc)
        if get_relay().wait_published(event_id, wait):
            self.stdout.write(f"sent notification {title!r}: delivered to the broker")
        else:
            self.stdout.write(
                f"notification {title!r} written to the events outbox: no relay delivered it "
                f"within {wait:g} s; the relay of the running server (make run, a web "
                "process or manage.py events_relay) will, once the broker is reachable"
            )
