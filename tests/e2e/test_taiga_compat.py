"""A drop-in for a real Taiga deployment: taiga-back's messages and taiga-front's subscriptions.

The gateway runs with authorization on, asking this repository's backend (which answers
``my_permissions`` as the Taiga API does), and consumes RabbitMQ. A stand-in of the original
taiga-back publishes exactly as it does: a py-amqp connection per event, the ``events``
exchange declared ``topic`` and ``auto_delete``, four-word routing keys
(``changes.project.{id}.{app}``: taiga-back adds the model's name only when the bare app
label is an installed app, which it never is) and session ids such as ``"not-existing"``.

The broker is shared with other runs: every event here carries a pk of this test's own, and
only those are looked at.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import amqp
import jwt
import pytest
from django.conf import settings as django_settings
from websockets.asyncio.client import ClientConnection

from taiga.projects.models import Project
from taiga.projects.services import members
from taiga.users.models import User
from taiga_events.brokers.rabbitmq import RabbitMQBroker
from tests.e2e.conftest import Stack, receive, send

# Pks of this test run's own, far from any a test database hands out.
_pks = itertools.count(random.randrange(10**9, 2 * 10**9, 10**6))


def taiga_front_patterns(project_id: int, user_id: int) -> list[str]:
    """What taiga-front subscribes to on a project's pages, and for its user."""
    apps = ("userstories", "tasks", "issues", "epics", "milestones")
    return [
        *(f"changes.project.{project_id}.{app}" for app in apps),
        f"web_notifications.{user_id}",
        f"live_notifications.{user_id}",
        "notifications",
    ]


class TaigaBack:
    """Publishes as taiga-back 6 does (``taiga/events/backends/rabbitmq.py``)."""

    def __init__(self, url: str) -> None:
        self.parts = urlsplit(url)

    def _publish(self, routing_key: str, session_id: str | None, data: dict) -> None:
        parts = self.parts
        connection = amqp.Connection(
            host=f"{parts.hostname}:{parts.port}",
            userid=parts.username,
            password=parts.password,
            virtual_host=parts.path[1:] or "/",
        )
        connection.connect()
        try:
            channel = connection.channel()
            channel.exchange_declare(exchange="events", type="topic", auto_delete=True)
            message = amqp.Message(json.dumps({"session_id": session_id, "data": data}))
            channel.basic_publish(message, routing_key=routing_key, exchange="events")
            channel.close()
        finally:
            connection.close()

    async def change(
        self, project_id: int, app: str, model: str, *, session_id: str = "not-existing"
    ) -> int:
        """A ``change`` event of a new pk on taiga-back's four-word key; returns the pk."""
        pk = next(_pks)
        data = {"type": "change", "matches": f"{app}.{model}", "pk": pk}
        await asyncio.to_thread(
            self._publish, f"changes.project.{project_id}.{app}", session_id, data
        )
        return pk

    async def notify(self, user_id: int) -> int:
        pk = next(_pks)
        data = {"type": "assigned", "object": {"id": pk}}
        await asyncio.to_thread(self._publish, f"web_notifications.{user_id}", None, data)
        return pk


@pytest.fixture
def broker_factory(settings, rabbitmq_url):
    settings.EVENTS_PUSH_BACKEND = "taiga.events.backends.rabbitmq.EventsPushBackend"
    settings.EVENTS_PUSH_BACKEND_URL = rabbitmq_url
    return lambda: RabbitMQBroker(rabbitmq_url)


@pytest.fixture
def taiga_back(rabbitmq_url: str) -> TaigaBack:
    return TaigaBack(rabbitmq_url)


@pytest.fixture
def storyteller(people: dict[str, User], project: Project) -> User:
    """bob, with a role that sees the private project's user stories but not its tasks."""
    Project.objects.filter(pk=project.pk).update(is_private=True)
    role = members.create_role(
        project=project, name="Storyteller", permissions=["view_project", "view_us"]
    )
    membership = project.memberships.get(user=people["bob"])
    members.update_membership(membership, {"role": role})
    return people["bob"]


def _pk(event: dict) -> object:
    data = event.get("data") or {}
    return data.get("pk", (data.get("object") or {}).get("id"))


async def _received_until(ws: ClientConnection, last: int, ours: set[int]) -> list[int]:
    """The pks of ours received up to and including ``last`` (others' events are skipped)."""
    received: list[int] = []
    while True:
        event = await receive(ws)
        assert event.get("cmd") is None, event
        pk = _pk(event)
        if pk in ours:
            received.append(pk)
        if pk == last:
            return received


async def _follow(stack: Stack, username: str, patterns: list[str], **auth: str) -> dict:
    """A connection authenticated as ``username``; returns it and its replies by pattern."""
    ws = await stack.connect()
    token = await stack.login(username)
    assert (await send(ws, cmd="auth", data={"token": token, **auth}))["cmd"] == "ack"
    replies = {p: await send(ws, cmd="subscribe", routing_key=p, id=p) for p in patterns}
    return {"ws": ws, "replies": replies}


async def test_taiga_front_subscriptions_receive_taiga_backs_events_as_authorized(
    stack: Stack, people: dict[str, User], storyteller: User, taiga_back: TaigaBack
) -> None:
    project_id = stack.project.pk
    alice_id = people["alice"].pk
    alice = await _follow(stack, "alice", taiga_front_patterns(project_id, alice_id))
    bob = await _follow(stack, "bob", taiga_front_patterns(project_id, storyteller.pk))
    everything = await _follow(stack, "alice", [f"changes.project.{project_id}.*"])
    assert all(reply["cmd"] == "ack" for reply in alice["replies"].values())
    bobs = {pattern: reply.get("code", "ack") for pattern, reply in bob["replies"].items()}
    assert bobs[f"changes.project.{project_id}.userstories"] == "ack"
    assert bobs[f"changes.project.{project_id}.tasks"] == "forbidden"

    task = await taiga_back.change(project_id, "tasks", "task")
    story = await taiga_back.change(project_id, "userstories", "userstory")
    notification = await taiga_back.notify(alice_id)
    ours = {task, story, notification}

    assert await _received_until(alice["ws"], notification, ours) == [task, story, notification]
    # bob may not view tasks: his first event is the story.
    assert await _received_until(bob["ws"], story, ours) == [story]
    assert await _received_until(everything["ws"], story, ours) == [task, story]
    for connection in (alice, bob, everything):
        await connection["ws"].close()


async def test_a_four_word_event_reaches_the_seeds_project_wildcard_with_its_own_key(
    stack: Stack, taiga_back: TaigaBack
) -> None:
    project_id = stack.project.pk
    follower = await _follow(stack, "alice", [f"changes.project.{project_id}.*"])
    pk = await taiga_back.change(project_id, "issues", "issue")
    event = await receive(follower["ws"])
    while _pk(event) != pk:
        event = await receive(follower["ws"])
    assert event == {
        "routing_key": f"changes.project.{project_id}.issues",
        "session_id": "not-existing",
        "data": {"type": "change", "matches": "issues.issue", "pk": pk},
    }
    await follower["ws"].close()


async def test_self_notification_on_a_four_word_subscription(
    stack: Stack, taiga_back: TaigaBack
) -> None:
    project_id = stack.project.pk
    session = str(uuid.uuid4())
    pattern = f"changes.project.{project_id}.userstories"
    quiet = await _follow(stack, "alice", [pattern], sessionId=session)
    echoing = await _follow(stack, "alice", [], sessionId=session)
    subscribe = {"cmd": "subscribe", "routing_key": pattern, "id": 2}
    reply = await send(echoing["ws"], **subscribe, options={"selfNotification": True})
    assert (reply["cmd"], reply["id"]) == ("ack", 2), reply

    own = await taiga_back.change(project_id, "userstories", "userstory", session_id=session)
    other = await taiga_back.change(project_id, "userstories", "userstory")
    assert await _received_until(echoing["ws"], other, {own, other}) == [own, other]
    assert await _received_until(quiet["ws"], other, {own, other}) == [other]
    for connection in (quiet, echoing):
        await connection["ws"].close()


async def test_taiga_fronts_app_subscription_receives_this_backends_five_word_events(
    stack: Stack,
) -> None:
    project_id = stack.project.pk
    follower = await _follow(stack, "alice", [f"changes.project.{project_id}.userstories"])
    created = await stack.http(
        "POST",
        "/userstories",
        {"project": project_id, "subject": "Seen by taiga-front", "status": stack.status_id},
        token=await stack.login("owner"),
    )
    assert created.status == 201, created.body
    event = await receive(follower["ws"])
    assert event["routing_key"] == f"changes.project.{project_id}.userstories.userstory"
    assert event["data"] == {
        "type": "create",
        "matches": "userstories.userstory",
        "pk": created.body["id"],
    }
    await follower["ws"].close()


async def test_a_token_the_backend_refuses_is_reported_as_auth_failed(
    stack: Stack, people: dict[str, User]
) -> None:
    # Valid for the gateway (signature, exp, type, user), refused by the backend (no iat).
    now = datetime.now(UTC)
    claims = {
        "token_type": "access",
        "exp": now + timedelta(minutes=5),
        "jti": uuid.uuid4().hex,
        "user_id": people["alice"].pk,
    }
    token = jwt.encode(claims, django_settings.SECRET_KEY, algorithm="HS256")
    ws = await stack.connect()
    assert await send(ws, cmd="auth", data={"token": token}) == {"cmd": "ack", "id": 1}
    pattern = f"changes.project.{stack.project.pk}.userstories"
    reply = await send(ws, cmd="subscribe", routing_key=pattern, id=2)
    assert reply["code"] == "auth_failed", reply
    assert reply["message"] == "the backend refused the token: Token has no 'iat' claim."
    await ws.close()


@pytest.mark.parametrize("gateway_settings", [{"authorization": False}])
async def test_with_authorization_off_four_word_events_reach_the_same_subscriptions(
    stack: Stack, people: dict[str, User], taiga_back: TaigaBack
) -> None:
    project_id = stack.project.pk
    patterns = taiga_front_patterns(project_id, people["alice"].pk)
    app = await _follow(stack, "alice", patterns)
    everything = await _follow(stack, "alice", [f"changes.project.{project_id}.*"])
    task = await taiga_back.change(project_id, "tasks", "task")
    story = await taiga_back.change(project_id, "userstories", "userstory")
    for connection in (app, everything):
        assert await _received_until(connection["ws"], story, {task, story}) == [task, story]
        await connection["ws"].close()
