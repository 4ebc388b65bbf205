"""The gateway's authorization against the real backend: real users, tokens, permissions.

On the in-process broker only (the brokers are not what these tests are about), with a
short permission cache so that re-checks happen within a test.
"""

from __future__ import annotations

import orjson
import pytest
from django.conf import settings as django_settings
from websockets.asyncio.client import ClientConnection, connect

from taiga.users.models import User
from taiga_events import app
from taiga_events.brokers.memory import MemoryBroker
from taiga_events.config import Config
from tests.e2e.conftest import PASSWORD, Stack, ping, receive, send


@pytest.fixture
def broker_factory(settings):
    from taiga_events.brokers.memory import MemoryBroker

    settings.EVENTS_PUSH_BACKEND = "taiga.events.backends.memory.EventsPushBackend"
    return MemoryBroker


@pytest.fixture
def gateway_settings() -> dict[str, object]:
    return {"permission_cache_seconds": 0.1}


async def _authenticated(stack: Stack, username: str) -> ClientConnection:
    ws = await stack.connect()
    reply = await send(ws, cmd="auth", data={"token": await stack.login(username)})
    assert reply["cmd"] == "ack", reply
    return ws


async def _claims(stack: Stack, token: str) -> str:
    """The permission claims the backend issues for the stack's project."""
    response = await stack.http(
        "GET", f"/events/permissions?projects={stack.project.pk}", token=token
    )
    assert response.status == 200, response.body
    return response.body["token"]


async def _create_story(stack: Stack, subject: str) -> int:
    created = await stack.http(
        "POST",
        "/userstories",
        {"project": stack.project.pk, "subject": subject, "status": stack.status_id},
        token=await stack.login("owner"),
    )
    assert created.status == 201, created.body
    return created.body["id"]


async def _make_private(stack: Stack) -> None:
    made_private = await stack.http(
        "PATCH",
        f"/projects/{stack.project.pk}",
        {"is_private": True},
        token=await stack.login("owner"),
    )
    assert made_private.status == 200, made_private.body


async def test_a_member_removed_from_a_private_project_stops_receiving_its_events(
    stack: Stack,
) -> None:
    await _make_private(stack)
    pattern = f"changes.project.{stack.project.pk}.*"
    bob = await _authenticated(stack, "bob")
    assert (await send(bob, cmd="subscribe", routing_key=pattern))["cmd"] == "ack"
    pk = await _create_story(stack, "Seen by bob")
    assert (await receive(bob))["data"]["pk"] == pk

    owner = await stack.login("owner")
    memberships = await stack.http("GET", f"/memberships?project={stack.project.pk}", token=owner)
    [bobs] = [m for m in memberships.body if m["username"] == "bob"]
    assert (await stack.http("DELETE", f"/memberships/{bobs['id']}", token=owner)).status == 204
    assert await receive(bob) == {
        "cmd": "error",
        "id": None,
        "code": "subscription_revoked",
        "message": f"you may not view project {stack.project.pk}",
        "routing_key": pattern,
    }
    await _create_story(stack, "Not seen by bob")
    # The pong comes first: the story's event never came.
    await ping(bob, "after")
    await bob.close()


@pytest.fixture
def superuser(transactional_db) -> User:
    return User.objects.create_superuser(username="root", password=PASSWORD, email="root@x.test")


async def test_cross_project_wildcards_are_for_superusers(stack: Stack, superuser: User) -> None:
    root, alice = await _authenticated(stack, "root"), await _authenticated(stack, "alice")
    reply = await send(alice, cmd="subscribe", routing_key="changes.#")
    assert (reply["code"], reply["message"]) == (
        "forbidden",
        "patterns that span projects are for superusers only",
    )
    assert (await send(root, cmd="subscribe", routing_key="changes.#"))["cmd"] == "ack"
    pk = await _create_story(stack, "Seen by root")
    event = await receive(root)
    assert (event["routing_key"], event["data"]["pk"]) == (
        f"changes.project.{stack.project.pk}.userstories.userstory",
        pk,
    )
    await root.close()
    await alice.close()


async def test_anonymous_connections_follow_public_projects_only(stack: Stack) -> None:
    ws = await stack.connect()
    public = {"cmd": "subscribe", "routing_key": f"changes.project.{stack.project.pk}.*"}
    assert (await send(ws, **public))["cmd"] == "ack"
    await _make_private(stack)
    # Within the cache time, the anonymous subscription of a project gone private ends.
    revoked = await receive(ws)
    assert (revoked["code"], revoked["message"]) == (
        "subscription_revoked",
        f"project {stack.project.pk} is not public: send 'auth' first",
    )
    await ws.send(orjson.dumps({"cmd": "subscribe", "routing_key": "notifications", "id": 2}))
    assert (await receive(ws))["code"] == "not_authenticated"
    await ws.close()


async def test_claims_from_the_backend_authorize_where_the_backend_cannot_be_asked(
    stack: Stack,
) -> None:
    # A gateway of its own, whose backend address answers nothing.
    config = Config(
        secret=django_settings.SECRET_KEY,
        host="127.0.0.1",
        port=0,
        api_url="http://127.0.0.1:9/api/v1",
    )
    running = await app.start(config, MemoryBroker())
    pattern = f"changes.project.{stack.project.pk}.*"
    try:
        bob = await connect(f"ws://127.0.0.1:{running.port}/events")
        token = await stack.login("bob")
        data = {"token": token, "permissions": await _claims(stack, token)}
        assert await send(bob, cmd="auth", data=data) == {"cmd": "ack", "id": 1}
        assert (await send(bob, cmd="subscribe", routing_key=pattern))["cmd"] == "ack"
        pk = await _create_story(stack, "Seen by bob")
        assert (await receive(bob))["data"]["pk"] == pk
        # Without claims, the gateway cannot decide.
        alice = await connect(f"ws://127.0.0.1:{running.port}/events")
        await send(alice, cmd="auth", data={"token": await stack.login("alice")})
        reply = await send(alice, cmd="subscribe", routing_key=pattern)
        assert reply["code"] == "backend_unavailable"
    finally:
        await running.stop()


async def test_a_member_removed_is_revoked_once_the_claims_run_out(stack: Stack) -> None:
    await _make_private(stack)
    pattern = f"changes.project.{stack.project.pk}.*"
    bob = await stack.connect()
    token = await stack.login("bob")
    data = {"token": token, "permissions": await _claims(stack, token)}
    # Sent together: the subscription comes within the cache time (0.1 s) the claims last.
    await bob.send(orjson.dumps({"cmd": "auth", "id": 1, "data": data}).decode())
    await bob.send(orjson.dumps({"cmd": "subscribe", "id": 2, "routing_key": pattern}).decode())
    assert [(await receive(bob))["cmd"], (await receive(bob))["cmd"]] == ["ack", "ack"]

    owner = await stack.login("owner")
    memberships = await stack.http("GET", f"/memberships?project={stack.project.pk}", token=owner)
    [bobs] = [m for m in memberships.body if m["username"] == "bob"]
    assert (await stack.http("DELETE", f"/memberships/{bobs['id']}", token=owner)).status == 204
    revoked = await receive(bob)
    assert (revoked["code"], revoked["routing_key"]) == ("subscription_revoked", pattern)
    await bob.close()
