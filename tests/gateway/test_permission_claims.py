"""Permission claims sent with ``auth``: subscriptions authorized without asking the backend,
claims that cannot be used refused with an error frame, and re-checks as without them once
the claims run out."""

from __future__ import annotations

import asyncio
import time

import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.gateway.conftest import VIEW_ALL, Client, GatewayUnderTest, make_claims, make_token

US = "changes.project.5.userstories.userstory"
TASK = "changes.project.5.tasks.task"


async def auth(client: Client, user_id: int, permissions: str) -> dict:
    """Send auth with claims; the next frame (its reply, if nothing is said before it)."""
    return await client.send(
        cmd="auth", data={"token": make_token(user_id), "permissions": permissions}
    )


async def send_auth(client: Client, user_id: int, permissions: str, command_id: int) -> None:
    """Send auth with claims, not waiting for what the gateway says."""
    data = {"token": make_token(user_id), "permissions": permissions}
    await client.ws.send(orjson.dumps({"cmd": "auth", "id": command_id, "data": data}).decode())


async def next_pk(client: Client) -> str:
    return (await client.recv())["data"]["pk"]


async def test_claims_authorize_subscriptions_without_asking_the_backend(
    gateway: GatewayUnderTest,
) -> None:
    client = await gateway.client()
    claims = make_claims(1, {5: {"view_project", "view_us"}, 6: set()})
    assert await auth(client, 1, claims) == {"cmd": "ack", "id": 1}
    assert (await client.subscribe("changes.project.5.*"))["cmd"] == "ack"
    reply = await client.subscribe("changes.project.6.*")
    assert (reply["code"], reply["message"]) == ("forbidden", "you may not view project 6")
    assert (await client.subscribe("#"))["code"] == "forbidden"
    # What the claims allow is delivered, and nothing else.
    gateway.publish(TASK, None, pk="task")
    gateway.publish(US, None, pk="story")
    assert await next_pk(client) == "story"
    assert gateway.backend.asked == []
    _, text = await gateway.get("/metrics")
    samples = {
        (sample.name, tuple(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert samples[("taiga_events_permission_claims_total", (("outcome", "accepted"),))] == 1


async def test_a_superusers_claims_allow_cross_project_patterns(
    gateway: GatewayUnderTest,
) -> None:
    client = await gateway.client()
    await auth(client, 1, make_claims(1, {}, superuser=True))
    assert (await client.subscribe("changes.#"))["cmd"] == "ack"
    gateway.publish("changes.project.9.tasks.task", None, pk="anywhere")
    assert await next_pk(client) == "anywhere"
    assert gateway.backend.asked == []


OTHER_SECRET = "another-secret-long-enough-for-hs256"
MALFORMED = "permissions token's claims are malformed"


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        pytest.param(
            make_claims(1, {5: VIEW_ALL}, exp=int(time.time()) - 1),
            "token has expired",
            id="expired",
        ),
        pytest.param(
            make_claims(1, {5: VIEW_ALL}, secret=OTHER_SECRET),
            "token is not valid (InvalidSignatureError)",
            id="forged",
        ),
        pytest.param(
            make_claims(2, {5: VIEW_ALL}), "they were issued to another user", id="other user's"
        ),
        pytest.param(make_token(1), "token has no 'projects' claim", id="access token"),
        pytest.param(
            make_claims(1, {5: VIEW_ALL}, token_type="access"),
            "token is not a permissions token",
            id="wrong type",
        ),
        pytest.param(
            make_claims(1, {}, projects={"5": "view_project"}), MALFORMED, id="bad projects"
        ),
        pytest.param(make_claims(1, {}, superuser="yes"), MALFORMED, id="bad superuser"),
        pytest.param("not a token", "token is not valid (DecodeError)", id="garbage"),
    ],
)
async def test_claims_that_cannot_be_used_are_refused_and_the_backend_asked(
    gateway: GatewayUnderTest, claims: str, reason: str
) -> None:
    gateway.backend.grant(5, 1, {"view_project", "view_tasks"})
    client = await gateway.client()
    await send_auth(client, 1, claims, command_id=1)
    assert await client.recv() == {
        "cmd": "error",
        "id": None,
        "code": "invalid_permissions",
        "message": f"permission claims refused ({reason}): permissions are asked of the backend",
    }
    # The connection is authenticated all the same.
    assert await client.recv() == {"cmd": "ack", "id": 1}
    assert (await client.subscribe("changes.project.5.*"))["cmd"] == "ack"
    assert [(user, scope) for user, scope, _ in gateway.backend.asked] == [(1, 5)]
    gateway.publish(US, None, pk="story")
    gateway.publish(TASK, None, pk="task")
    assert await next_pk(client) == "task"


async def test_claims_are_no_access_token(gateway: GatewayUnderTest) -> None:
    client = await gateway.client()
    reply = await client.send(cmd="auth", data={"token": make_claims(1, {5: VIEW_ALL})})
    assert (reply["code"], reply["message"]) == ("auth_failed", "token is not an access token")


async def test_fresh_claims_apply_at_once_to_live_subscriptions(
    gateway: GatewayUnderTest,
) -> None:
    client = await gateway.client()
    await auth(client, 1, make_claims(1, {5: VIEW_ALL}))
    await client.subscribe("changes.project.5.*")
    # Narrower: tasks are no longer delivered, from the ack on.
    await auth(client, 1, make_claims(1, {5: {"view_project", "view_us"}}))
    gateway.publish(TASK, None, pk="task")
    gateway.publish(US, None, pk="story")
    assert await next_pk(client) == "story"
    # None: the subscription is revoked before the ack.
    await send_auth(client, 1, make_claims(1, {5: set()}), command_id=9)
    assert await client.recv() == {
        "cmd": "error",
        "id": None,
        "code": "subscription_revoked",
        "message": "you may not view project 5",
        "routing_key": "changes.project.5.*",
    }
    assert await client.recv() == {"cmd": "ack", "id": 9}
    assert gateway.backend.asked == []


async def test_once_the_claims_run_out_the_backend_is_asked_and_revokes(
    gateway_factory,
) -> None:
    # The claims last five minutes, but an answer is kept no longer than the cache time.
    gateway = await gateway_factory(permission_cache_seconds=0.2)
    client = await gateway.client()
    # Sent together, so that the subscription comes well within the claims' time.
    await send_auth(client, 1, make_claims(1, {5: VIEW_ALL}), command_id=1)
    await client.ws.send('{"cmd":"subscribe","id":2,"routing_key":"changes.project.5.*"}')
    assert [(await client.recv())["cmd"], (await client.recv())["cmd"]] == ["ack", "ack"]
    assert gateway.backend.asked == []
    revoked = await client.recv()
    assert (revoked["code"], revoked["routing_key"]) == (
        "subscription_revoked",
        "changes.project.5.*",
    )
    assert [(user, scope) for user, scope, _ in gateway.backend.asked] == [(1, 5)]


async def test_re_checks_come_when_the_claims_run_out_and_fresh_claims_put_them_off(
    gateway: GatewayUnderTest,
) -> None:
    loop = asyncio.get_running_loop()
    client = await gateway.client()
    claims = make_claims(1, {5: VIEW_ALL}, exp=time.time() + 5)
    started = loop.time()
    await auth(client, 1, claims)
    await client.subscribe("changes.project.5.*")
    rechecks = gateway.running.gateway._rechecks
    # Within the tenth before the claims' expiry, not the cache time (30 s).
    assert 4.4 < rechecks[1, 5].when() - started <= 5
    before = loop.time()
    await auth(client, 1, make_claims(1, {5: VIEW_ALL}))
    after = loop.time()
    assert before + 26.9 < rechecks[1, 5].when() <= after + 30
    assert gateway.backend.asked == []


async def test_users_authorized_together_are_not_re_checked_together(
    gateway: GatewayUnderTest,
) -> None:
    loop = asyncio.get_running_loop()
    due_in = []
    for user_id in range(1, 101):
        client = await gateway.client()
        await auth(client, user_id, make_claims(user_id, {5: VIEW_ALL}))
        authorized = loop.time()
        await client.subscribe("changes.project.5.*")
        due_in.append(gateway.running.gateway._rechecks[user_id, 5].when() - authorized)
    # Never later than the cache time (30 s), spread over up to a tenth of it before.
    assert all(26.9 < delay <= 30 for delay in due_in)
    assert max(due_in) - min(due_in) > 1
