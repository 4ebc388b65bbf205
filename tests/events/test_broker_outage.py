"""Faults under the backend: RabbitMQ stopped and started, processes killed. Nothing saved
is lost.

RabbitMQ is shared with other runs: every event here carries a session id of the test's
own and only those count. A test that stops RabbitMQ starts it again, whatever happens.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from rest_framework.test import APIClient

from taiga.auth.tokens import issue_access_token
from taiga.events.models import OutboxEvent
from taiga.events.relay import get_relay
from taiga_events.brokers.rabbitmq import RabbitMQBroker
from taiga_events.brokers.stream import StreamSettings

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


class Consumer:
    """Reads events as a gateway does (its RabbitMQ engine, on the test's own stream), on a
    thread and event loop of its own; ``stop`` and ``start`` it like a gateway process."""

    def __init__(self, url: str, stream: StreamSettings) -> None:
        self.messages: queue.Queue[tuple[str, dict]] = queue.Queue()
        self.broker = RabbitMQBroker(url, stream=stream, reconnect_delay=0.05)
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.start()

    def _run(self, coroutine) -> object:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def start(self) -> None:
        self._run(self.broker.start(lambda key, envelope, _: self.messages.put((key, envelope))))
        assert self.broker.connected

    def stop(self) -> None:
        self._run(self.broker.close())

    def of_session(
        self, session: str, count: int, matches: str = "userstories.userstory"
    ) -> list[dict]:
        """The next ``count`` events of ``session`` about ``matches`` (others are skipped)."""
        found: list[dict] = []
        while len(found) < count:
            _, envelope = self.messages.get(timeout=WAIT_SECONDS)
            if (envelope.get("session_id"), envelope["data"].get("matches")) == (session, matches):
                found.append(envelope)
        return found

    def close(self) -> None:
        self.stop()
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture
def stream(rabbitmq_url: str, settings) -> Iterator[StreamSettings]:
    """A stream of the test's own (RabbitMQ is shared), which the backend publishes to."""
    stream = StreamSettings(name=f"test.events.{uuid.uuid4().hex[:12]}")
    settings.EVENTS_RABBITMQ_STREAM_NAME = stream.name
    yield stream
    subprocess.run(["rabbitmqctl", "delete_queue", stream.name], capture_output=True, timeout=60)
    subprocess.run(
        ["rabbitmqctl", "delete_queue", f"{stream.name}.epoch"], capture_output=True, timeout=60
    )


@pytest.fixture
def consumer(rabbitmq_url: str, stream: StreamSettings) -> Iterator[Consumer]:
    consumer = Consumer(rabbitmq_url, stream)
    yield consumer
    consumer.close()


def _creates(envelopes: list[dict]) -> list[int]:
    assert all(envelope["data"]["type"] == "create" for envelope in envelopes), envelopes
    return [envelope["data"]["pk"] for envelope in envelopes]


def test_stories_saved_while_rabbitmq_is_down_all_reach_a_consumer(
    project, owner, settings, rabbitmq_url: str, consumer: Consumer
) -> None:
    settings.EVENTS_PUSH_BACKEND = "taiga.events.backends.rabbitmq.EventsPushBackend"
    settings.EVENTS_PUSH_BACKEND_URL = rabbitmq_url
    session = uuid.uuid4().hex
    client = APIClient(HTTP_X_SESSION_ID=session)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_access_token(owner)}")

    def create(subject: str) -> int:
        response = client.post(
            "/api/v1/userstories", {"project": project.pk, "subject": subject}, format="json"
        )
        assert response.status_code == 201, response.content
        return response.json()["id"]

    before = create("before the outage")
    assert _creates(consumer.of_session(session, 1)) == [before]
    consumer.stop()  # no gateway runs until the relay has sent everything
    rabbitmqctl("stop_app")
    try:
        during = [create(f"during the outage {n}") for n in range(20)]
        assert OutboxEvent.objects.count() >= 20  # saved with their stories, waiting
    finally:
        rabbitmqctl("start_app")
    # The relay's first connection after the restart bound the stream again before it
    # published: the stream kept them, though no gateway was there to bind anything.
    deadline = time.monotonic() + WAIT_SECONDS
    while OutboxEvent.objects.exists():
        assert time.monotonic() < deadline, "the relay did not send the outbox"
        time.sleep(0.05)
    consumer.start()
    # A gateway started again reads on from where it stopped: every one, in order.
    assert _creates(consumer.of_session(session, 20)) == during
    after = create("after the outage")
    assert _creates(consumer.of_session(session, 1)) == [after]
    assert get_relay().stats.unroutable == 0


# Processes of their own, on a SQLite database of their own -----------------------------------


class System:
    """``manage.py`` commands on one database of their own, with RabbitMQ as the broker."""

    def __init__(self, database_url: str, rabbitmq_url: str, stream: StreamSettings) -> None:
        self.database_url = database_url
        self.env = {
            **os.environ,
            "EVENTS_RABBITMQ_STREAM_NAME": stream.name,
            "DJANGO_SETTINGS_MODULE": "taiga.settings.common",
            "DATABASE_URL": database_url,
            "EVENTS_PUSH_BACKEND": "taiga.events.backends.rabbitmq.EventsPushBackend",
            "EVENTS_PUSH_BACKEND_URL": rabbitmq_url,
            "EVENTS_RELAY_LEASE_SECONDS": "1",
            "PYTHONUNBUFFERED": "1",
        }
        self.processes: list[subprocess.Popen] = []

    def run(self, *args: str, **env: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def start(self, *args: str, until: str, **env: str) -> tuple[subprocess.Popen, str]:
        """Start a command and wait until it prints ``until``; returns it and its output."""
        process = subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.processes.append(process)
        printed = ""
        while until not in printed:
            line = process.stdout.readline()
            assert line, f"{args} ended early:\n{printed}"
            printed += line
        return process, printed

    def query(self, sql: str) -> object:
        """The first column of the first row ``sql`` gives."""
        if self.database_url.startswith("sqlite:///"):
            with contextlib.closing(sqlite3.connect(self.database_url[10:])) as db:
                return db.execute(sql).fetchone()[0]
        with psycopg.connect(self.database_url) as db:
            return db.execute(sql).fetchone()[0]

    def pending(self) -> int:
        return self.query("SELECT count(*) FROM events_outbox")

    def lease_holder_pid(self) -> int:
        return int(self.query("SELECT holder FROM events_relay_lease").split(":")[1])

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
            process.stdout.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def system(request, tmp_path: Path, rabbitmq_url: str, stream: StreamSettings) -> Iterator[System]:
    """A fresh database (SQLite, or PostgreSQL whichever database the suite runs on)."""
    if request.param == "sqlite":
        system = System(f"sqlite:///{tmp_path / 'taiga.sqlite3'}", rabbitmq_url, stream)
        system.run("migrate", "--verbosity", "0")
        yield system
        system.stop_all()
        return
    server = request.getfixturevalue("postgresql_url")
    name = f"taiga_relay_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        system = System(server.rsplit("/", 1)[0] + f"/{name}", rabbitmq_url, stream)
        system.run("migrate", "--verbosity", "0")
        yield system
        system.stop_all()
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


SAVE_STORIES = """
import os, time
from taiga.events.middleware import set_current_session_id
from taiga.projects import services
from taiga.projects.userstories.services import create_userstory
from taiga.users.models import User

set_current_session_id(os.environ["SESSION"])
owner = User.objects.create_user(username="owner", password="x", email="o@x.test")
project = services.create_project(owner=owner, name="Outage")
ids = [create_userstory(project=project, owner=owner, subject=f"S{n}").pk for n in range(20)]
print("saved", *ids, flush=True)
time.sleep(600)
"""


def test_stories_saved_before_a_crash_during_an_outage_are_relayed_afterwards(
    system: System, rabbitmq_url: str, stream: StreamSettings
) -> None:
    session = uuid.uuid4().hex
    rabbitmqctl("stop_app")
    try:
        # The web process saves 20 stories while RabbitMQ is down, then dies (SIGKILL).
        web, printed = system.start("shell", "-c", SAVE_STORIES, until="saved", SESSION=session)
        saved = [int(pk) for pk in printed.split("saved", 1)[1].split()]
        web.send_signal(signal.SIGKILL)
        web.wait(timeout=30)
    finally:
        rabbitmqctl("start_app")
    assert system.pending() >= 20
    consumer = Consumer(rabbitmq_url, stream)
    try:
        relay, _ = system.start("events_relay", until="relaying the events outbox")
        assert _creates(consumer.of_session(session, 20)) == saved
        relay.send_signal(signal.SIGTERM)
        assert relay.wait(timeout=30) == 0
    finally:
        consumer.close()
    assert system.pending() == 0


def test_when_the_relaying_process_dies_another_takes_over(
    system: System, rabbitmq_url: str, stream: StreamSettings
) -> None:
    consumer = Consumer(rabbitmq_url, stream)
    first, second = f"first {uuid.uuid4().hex}", f"second {uuid.uuid4().hex}"

    def notify(title: str) -> str:
        # From a process that does not relay itself: one of the two relays must.
        args = ("emit_notification_message", "--title", title, "--desc", "-")
        return system.run(*args, EVENTS_RELAY_IN_PROCESS="0")

    try:
        system.start("events_relay", until="relaying the events outbox")
        system.start("events_relay", until="relaying the events outbox")
        assert "delivered to the broker" in notify(first)
        leader = system.lease_holder_pid()
        os.kill(leader, signal.SIGKILL)
        # The other relay takes over once the lease (1 s here) lapses.
        assert "delivered to the broker" in notify(second)
        assert system.lease_holder_pid() != leader
        titles: list[str] = []
        while second not in titles:
            _, envelope = consumer.messages.get(timeout=WAIT_SECONDS)
            titles.append(envelope["data"].get("title"))
        assert [title for title in titles if title in (first, second)] == [first, second]
    finally:
        consumer.close()
