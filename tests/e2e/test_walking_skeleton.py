"""The seed's acceptance test, on each broker: its console snippet sees its curl commands."""

from __future__ import annotations

import orjson

from tests.e2e.conftest import Stack, ping, receive, send


async def test_seed_snippet_sees_create_change_delete(stack: Stack) -> None:
    key = f"changes.project.{stack.project.pk}.userstories.userstory"
    ws = await stack.connect()
    # The seed's snippet, as written: no auth, no id (the project is public).
    await ws.send(
        orjson.dumps(
            {"cmd": "subscribe", "routing_key": f"changes.project.{stack.project.pk}.*"}
        ).decode()
    )
    # Commands are handled in order, so the pong proves the subscription is live.
    await ping(ws)
    token = await stack.login("alice")

    created = await stack.http(
        "POST",
        "/userstories",
        {"project": stack.project.pk, "subject": "Test user story", "status": stack.status_id},
        token=token,
        session_id="test-session-123",
    )
    assert created.status == 201, created.body
    pk = created.body["id"]
    assert await receive(ws) == {
        "routing_key": key,
        "session_id": "test-session-123",
        "data": {"type": "create", "matches": "userstories.userstory", "pk": pk},
    }

    changed = await stack.http(
        "PATCH",
        f"/userstories/{pk}",
        {"subject": "Updated subject"},
        token=token,
        session_id="test-session-123",
    )
    assert changed.status == 200, changed.body
    assert await receive(ws) == {
        "routing_key": key,
        "session_id": "test-session-123",
        "data": {"type": "change", "matches": "userstories.userstory", "pk": pk},
    }

    deleted = await stack.http(
        "DELETE", f"/userstories/{pk}", token=token, session_id="test-session-123"
    )
    assert deleted.status == 204
    assert await receive(ws) == {
        "routing_key": key,
        "session_id": "test-session-123",
        "data": {"type": "delete", "matches": "userstories.userstory", "pk": pk},
    }
    await ws.close()


async def test_own_changes_are_not_echoed_unless_asked(stack: Stack) -> None:
    pattern = f"changes.project.{stack.project.pk}.*"
    alice, bob = await stack.login("alice"), await stack.login("bob")
    plain, echoing = await stack.connect(), await stack.connect()
    assert await send(plain, cmd="auth", data={"token": alice, "sessionId": "alice-tab"}) == {
        "cmd": "ack",
        "id": 1,
    }
    assert (await send(echoing, cmd="auth", data={"token": alice, "sessionId": "alice-tab"}))[
        "cmd"
    ] == "ack"
    assert (await send(plain, cmd="subscribe", routing_key=pattern))["cmd"] == "ack"
    assert (
        await send(
            echoing, cmd="subscribe", routing_key=pattern, options={"selfNotification": True}
        )
    )["cmd"] == "ack"

    own = await stack.http(
        "POST",
        "/userstories",
        {"project": stack.project.pk, "subject": "Mine"},
        token=alice,
        session_id="alice-tab",
    )
    assert own.status == 201
    theirs = await stack.http(
        "PATCH",
        f"/userstories/{own.body['id']}",
        {"subject": "Bob's"},
        token=bob,
        session_id="bob-tab",
    )
    assert theirs.status == 200

    # The plain client's first event is Bob's change: Alice's own create was not echoed.
    first = await receive(plain)
    assert (first["session_id"], first["data"]["type"]) == ("bob-tab", "change")
    assert [(await receive(echoing))["data"]["type"] for _ in range(2)] == ["create", "change"]
    await plain.close()
    await echoing.close()


async def test_private_projects_are_not_followed_anonymously(stack: Stack) -> None:
    made_private = await stack.http(
        "PATCH",
        f"/projects/{stack.project.pk}",
        {"is_private": True},
        token=await stack.login("owner"),
    )
    assert made_private.status == 200, made_private.body
    ws = await stack.connect()
    reply = await send(ws, cmd="subscribe", routing_key=f"changes.project.{stack.project.pk}.*")
    assert reply["cmd"] == "error"
    assert reply["code"] == "not_authenticated"
    await ws.close()
