"""RabbitMQ stopped and restarted under the backend: requests go on, delivery resumes."""

from __future__ import annotations

import asyncio
import queue
import subprocess
import threading
import time
import uuid

import aio_pika
import orjson
import pytest
from rest_framework.test import APIClient

from taiga.auth.tokens import issue_access_token
from taiga.events import backends


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


class Consumer:
    """A robust AMQP consumer of ``changes.#`` on its own thread and event loop."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.messages: queue.Queue[tuple[str, dict]] = queue.Queue()
        self.ready = threading.Event()
        self.reconnected = threading.Event()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=30)

    async def _start(self) -> None:
        self.connection = await aio_pika.connect_robust(self.url)
        self.connection.reconnect_callbacks.add(lambda *_: self.reconnected.set())
        channel = await self.connection.channel()
        exchange = await channel.declare_exchange(
            "events", aio_pika.ExchangeType.TOPIC, durable=False, auto_delete=True
        )
        queue_ = await channel.declare_queue(exclusive=True)
        await queue_.bind(exchange, "changes.#")

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            self.messages.put((message.routing_key, orjson.loads(message.body)))

        await queue_.consume(on_message, no_ack=True)

    def next(self, timeout: float = 60) -> tuple[str, dict]:
        return self.messages.get(timeout=timeout)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.connection.close(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture
def consumer(rabbitmq_url: str):
    consumer = Consumer(rabbitmq_url)
    yield consumer
    consumer.close()


def test_requests_succeed_while_rabbitmq_is_down_and_events_resume(
    project, owner, settings, rabbitmq_url: str, consumer: Consumer
) -> None:
    settings.EVENTS_PUSH_BACKEND = "taiga.events.backends.rabbitmq.EventsPushBackend"
    settings.EVENTS_PUSH_BACKEND_URL = rabbitmq_url
    settings.EVENTS_PUSH_RETRY_DELAYS = (0.05, 0.1, 0.25)
    session = uuid.uuid4().hex  # other runs may share the broker: only ours count
    client = APIClient(HTTP_X_SESSION_ID=session)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_access_token(owner)}")
    key = f"changes.project.{project.pk}.userstories.userstory"

    def next_of_ours() -> tuple[str, dict]:
        while (message := consumer.next())[1].get("session_id") != session:
            pass
        return message

    def create(subject: str) -> int:
        response = client.post(
            "/api/v1/userstories", {"project": project.pk, "subject": subject}, format="json"
        )
        assert response.status_code == 201, response.content
        return response.json()["id"]

    before = create("before the outage")
    data = {"type": "create", "matches": "userstories.userstory", "pk": before}
    assert next_of_ours() == (key, {"session_id": session, "data": data})
    rabbitmqctl("stop_app")
    try:
        started = time.monotonic()
        create("during the outage")
        # The request did not wait for the broker (its connect timeout alone is 5 s).
        assert time.monotonic() - started < 5
    finally:
        rabbitmqctl("start_app")
    assert consumer.reconnected.wait(timeout=60)
    after = create("after the outage")
    # The event queued during the outage may arrive first (it was retried until the broker
    # came back) or be lost if it was published before the consumer's queue was re-bound.
    while next_of_ours()[1]["data"]["pk"] != after:
        pass
    assert backends.flush(timeout=60)
    assert backends.sender_stats().failed == 0
