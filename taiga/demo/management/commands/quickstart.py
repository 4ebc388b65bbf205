"""``manage.py quickstart``: the whole system in one process, for trying it out.

Migrates, loads the demo data, then serves the backend (threaded WSGI) and the gateway
(asyncio, in-process broker by default) until Ctrl-C, printing what runs where and the
seed's console snippet and curl commands with real ids and a fresh token.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from typing import Any

import uvloop
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application

from taiga.auth.tokens import issue_access_token
from taiga.demo.data import DemoData, load_demo_data
from taiga.events.backends import backend_url, get_events_backend
from taiga.events.relay import get_relay
from taiga_events import app as gateway_app
from taiga_events.brokers.base import Broker
from taiga_events.config import Config


class QuietRequestHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        # One line per request on stderr, as runserver does, without the noise of 2xx.
        if args and str(args[1]).startswith(("4", "5")):
            super().log_message(format, *args)


def _broker_for_backend() -> Broker:
    """The gateway consumes whatever broker the backend publishes to."""
    path = settings.EVENTS_PUSH_BACKEND
    if path.endswith("rabbitmq.EventsPushBackend"):
        from taiga_events.brokers.rabbitmq import RabbitMQBroker

        return RabbitMQBroker(backend_url() or "amqp://guest:guest@127.0.0.1:5672/")
    if path.endswith("postgresql.EventsPushBackend"):
        from taiga_events.brokers.postgresql import PostgresBroker

        if not backend_url():
            raise CommandError("set EVENTS_PUSH_BACKEND_URL to the PostgreSQL URL to listen on")
        return PostgresBroker(backend_url())
    from taiga_events.brokers.memory import MemoryBroker

    return MemoryBroker()


class Command(BaseCommand):
    help = "Run the backend and the events gateway together, with demo data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("TAIGA_HOST", "127.0.0.1"))
        parser.add_argument(
            "--http-port", type=int, default=int(os.environ.get("TAIGA_HTTP_PORT", "9000"))
        )
        parser.add_argument(
            "--ws-port", type=int, default=int(os.environ.get("WEB_SOCKET_SERVER_PORT", "8888"))
        )

    def handle(self, *args: Any, host: str, http_port: int, ws_port: int, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        demo = load_demo_data()
        try:
            httpd = ThreadedWSGIServer((host, http_port), QuietRequestHandler)
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{http_port}: {exc}") from None
        httpd.set_app(get_wsgi_application())
        threading.Thread(target=httpd.serve_forever, name="http", daemon=True).start()
        config = Config(
            secret=settings.SECRET_KEY,
            host=host,
            port=ws_port,
            api_url=f"http://{host}:{http_port}/api/v1",
        )
        broker = _broker_for_backend()
        banner = self._banner(config, demo, http_port, broker.name)
        try:
            uvloop.run(self._serve_gateway(config, broker, banner))
        finally:
            httpd.shutdown()
            httpd.server_close()
        self.stdout.write("Stopped.")

    async def _serve_gateway(self, config: Config, broker: Broker, banner: str) -> None:
        try:
            running = await gateway_app.start(config, broker)
        except OSError as exc:
            raise CommandError(f"cannot start the gateway: {exc}") from None
        # What waits in the outbox (the demo data's events, those of other processes) goes
        # out before anyone connects; then the relay publishes what other processes write.
        # Only this process can reach the in-process bus: it needs no lease for that.
        relay = get_relay()
        await asyncio.to_thread(relay.relay_pass, leased=get_events_backend().blocking)
        relay.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        self.stdout.write(banner)
        sys.stdout.flush()
        await stop.wait()
        self.stdout.write("\nShutting down…")
        await asyncio.to_thread(relay.stop)
        await running.stop()

    def _banner(self, config: Config, demo: DemoData, http_port: int, broker: str) -> str:
        project = demo.project
        status = demo.statuses[0]
        story_id = demo.userstories[0].pk
        token = issue_access_token(demo.users["admin"])
        api = f"http://localhost:{http_port}/api/v1"
        ws = f"ws://localhost:{config.port}/events"
        return f"""
Taiga events quick start
  backend   http://localhost:{http_port}/            (live board; API at {api}/)
  gateway   {ws}    (broker: {broker})
  users     admin, alice, bob (password 123123)
  project   {project.name!r} id {project.pk}, status {status.name!r} id {status.pk}

Paste into the browser console (on any page, e.g. http://localhost:{http_port}/):

const ws = new WebSocket('{ws}');

ws.onopen = () => {{
    console.log('Connected to taiga-events');

    // Subscribe to project changes
    ws.send(JSON.stringify({{
        cmd: 'subscribe',
        routing_key: 'changes.project.{project.pk}.*'
    }}));
}};

ws.onmessage = (event) => {{
    const data = JSON.parse(event.data);
    console.log('Received event:', data);
}};

Then, in a shell (a token for admin, valid {settings.ACCESS_TOKEN_LIFETIME_SECONDS // 3600} h):

TOKEN={token}

curl -X POST {api}/userstories \\
  -H "Authorization: Bearer $TOKEN" \\
  -H "x-session-id: test-session-123" \\
  -H "Content-Type: application/json" \\
  -d '{{"project": {project.pk}, "subject": "Test user story", "status": {status.pk}}}'

curl -X PATCH {api}/userstories/{story_id} \\
  -H "Authorization: Bearer $TOKEN" \\
  -H "x-session-id: test-session-123" \\
  -H "Content-Type: application/json" \\
  -d '{{"subject": "Updated subject"}}'

curl -X DELETE {api}/userstories/{story_id} \\
  -H "Authorization: Bearer $TOKEN" \\
  -H "x-session-id: test-session-123"

(The POST answers with the new story's id; use it in place of {story_id} to change and
delete that one instead of a demo story.)

Ready. Press Ctrl-C to stop.
"""
