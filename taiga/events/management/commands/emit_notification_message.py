from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from taiga.events import backends
from taiga.events.events import emit_system_notification


class Command(BaseCommand):
    help = "Send a system notification to every client following 'notifications'."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--title", help="headline of the message")
        parser.add_argument("--desc", help="body of the message")
        parser.add_argument("args", nargs="*", help="title and description (the old form)")

    def handle(self, *args: str, title: str | None, desc: str | None, **options: Any) -> None:
        positional = list(args)
        title = title or (positional.pop(0) if positional else None)
        desc = desc or (positional.pop(0) if positional else None)
        if not title or desc is None or positional:
            raise CommandError('usage: emit_notification_message --title "…" --desc "…"')
        emit_system_notification(title, desc)
        if not backends.flush(timeout=30):
            raise CommandError("the events broker did not take the notification within 30 s")
        self.stdout.write(f"sent notification {title!r}")
