"""Notifications over a real gateway: HTTP request → backend → broker → gateway → WebSocket.

Alice assigns Bob through the API: Bob's connection receives the web notification and, as
his notify policy is ``all``, the live notification; the system message of
``manage.py emit_notification_message`` reaches an authenticated client on every broker.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from websockets.asyncio.client import ClientConnection

from taiga.projects.history.models import HistoryEntry
from taiga.projects.models import Project
from taiga.projects.notifications.choices import NotifyLevel
from taiga.projects.notifications.policies import set_notify_level
from taiga.users.models import User
from tests.e2e.conftest import Stack, receive, send
from tests.outbox import in_thread


async def _following(stack: Stack, username: str, *patterns: str) -> ClientConnection:
    ws = await stack.connect()
    token = await stack.login(username)
    assert (await send(ws, cmd="auth", data={"token": token, "sessionId": f"{username}-tab"}))[
        "cmd"
    ] == "ack"
    for pattern in patterns:
        assert (await send(ws, cmd="subscribe", routing_key=pattern))["cmd"] == "ack"
    return ws


@pytest.fixture
def bob_follows_everything(project: Project, people: dict[str, User]) -> User:
    set_notify_level(project, people["bob"], NotifyLevel.ALL)
    return people["bob"]


@pytest.mark.parametrize("broker_factory", ["memory"], indirect=True)
async def test_an_assignment_reaches_the_assignee_live_and_as_web_notification(
    stack: Stack, people: dict[str, User], bob_follows_everything: User
) -> None:
    bob, alice = bob_follows_everything, people["alice"]
    ws = await _following(
        stack, "bob", f"web_notifications.{bob.pk}", f"live_notifications.{bob.pk}"
    )

    created = await stack.http(
        "POST",
        "/userstories",
        {"project": stack.project.pk, "subject": "Fix login", "assigned_to": bob.pk},
        token=await stack.login("alice"),
        session_id="alice-tab",
    )
    assert created.status == 201, created.body
    story = created.body

    # The live notification leaves before the commit, the web notification after it.
    live, web = await receive(ws), await receive(ws)
    entry = await in_thread(
        lambda: HistoryEntry.objects.get(object_id=story["id"], type="create").pk
    )
    assert live == {
        "routing_key": f"live_notifications.{bob.pk}",
        "session_id": "alice-tab",
        "data": {
            "title": f"User story #{story['ref']} created",
            "body": "Live - Fix login",
            "url": f"http://localhost:9000/project/live/us/{story['ref']}",
            "timeout": 10000,
            "id": entry,
            "by": {
                "id": people["alice"].pk,
                "username": "alice",
                "full_name": people["alice"].full_name or "alice",
                "photo": None,
            },
        },
    }
    created_at = web["data"].pop("created")
    assert web == {
        "routing_key": f"web_notifications.{bob.pk}",
        "session_id": "alice-tab",
        "data": {
            "type": "assigned",
            "user": {"id": alice.pk, "username": "alice", "full_name": "alice", "photo": None},
            "project": {"id": stack.project.pk, "name": "Live", "slug": "live"},
            "object": {
                "id": story["id"],
                "ref": story["ref"],
                "subject": "Fix login",
                "content_type": "userstories.userstory",
            },
        },
    }
    # Bob's newest stored notification is the one he received.
    listed = await stack.http("GET", "/web-notifications", token=await stack.login("bob"))
    assert listed.body[0]["data"] == {**web["data"], "created": created_at}
    await ws.close()


async def test_a_system_message_reaches_authenticated_clients(
    stack: Stack, people: dict[str, User]
) -> None:
    ws = await _following(stack, "bob", "notifications")

    await in_thread(
        call_command,
        "emit_notification_message",
        "--title",
        "Maintenance",
        "--desc",
        "At 2 AM UTC",
    )

    assert await receive(ws) == {
        "routing_key": "notifications",
        "session_id": None,
        "data": {"title": "Maintenance", "desc": "At 2 AM UTC"},
    }
    await ws.close()
