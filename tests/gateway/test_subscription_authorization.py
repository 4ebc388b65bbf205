"""Authorization over real sockets: app-level filtering, superusers, re-checks, outages."""

from __future__ import annotations

from tests.gateway.conftest import Client, GatewayUnderTest

US = "changes.project.5.userstories.userstory"
TASK = "changes.project.5.tasks.task"


async def _next_pk(client: Client) -> str:
    """The next event's ``data.pk``, proving everything before it was not sent."""
    return (await client.recv())["data"]["pk"]


async def test_a_project_wildcard_delivers_only_the_apps_the_user_may_view(
    gateway: GatewayUnderTest,
) -> None:
    gateway.backend.grant(5, 1, {"view_project", "view_us"})
    client = await gateway.client()
    await client.auth(1)
    assert (await client.subscribe("changes.project.5.*"))["cmd"] == "ack"
    gateway.publish(TASK, None, pk="task")
    gateway.publish("changes.project.5.projects.userstorystatus", None, pk="status")
    gateway.publish(US, None, pk="story")
    assert await _next_pk(client) == "status"
    assert await _next_pk(client) == "story"
    reply = await client.subscribe(TASK)
    assert (reply["code"], reply["message"]) == (
        "forbidden",
        f"{TASK!r} matches no event you may receive",
    )


async def test_cross_project_patterns_are_for_superusers(gateway: GatewayUnderTest) -> None:
    gateway.backend.superusers.add(1)
    admin, user = await gateway.client(), await gateway.client()
    await admin.auth(1)
    await user.auth(2)
    assert (await user.subscribe("changes.#"))["code"] == "forbidden"
    assert (await user.subscribe("#"))["code"] == "forbidden"
    assert (await admin.subscribe("#"))["cmd"] == "ack"
    # Even "#" does not give a superuser other users' notifications.
    gateway.publish("web_notifications.2", None, pk="theirs")
    gateway.publish("changes.project.9.tasks.task", None, pk="change")
    gateway.publish("web_notifications.1", None, pk="mine")
    assert await _next_pk(admin) == "change"
    assert await _next_pk(admin) == "mine"


async def test_anonymous_connections_follow_public_projects_only(
    gateway: GatewayUnderTest,
) -> None:
    gateway.backend.grant(5, None)
    client = await gateway.client()
    assert (await client.subscribe("changes.project.5.*"))["cmd"] == "ack"
    reply = await client.subscribe("changes.project.6.*")
    assert (reply["code"], reply["message"]) == (
        "not_authenticated",
        "project 6 is not public: send 'auth' first",
    )
    assert (await client.subscribe("notifications"))["code"] == "not_authenticated"
    # The permissions were asked anonymously: no token.
    assert gateway.backend.asked == [(None, 5, None), (None, 6, None)]


async def test_permissions_are_asked_with_the_users_token_and_cached(
    gateway_factory,
) -> None:
    gateway = await gateway_factory(permission_cache_seconds=60)
    gateway.backend.grant(5, 1)
    one, two = await gateway.client(), await gateway.client()
    await one.auth(1)
    await two.auth(1)
    await one.subscribe("changes.project.5.*")
    await two.subscribe(US)
    await one.subscribe(TASK)
    [(user_id, scope, token)] = gateway.backend.asked
    assert (user_id, scope) == (1, 5)
    assert token is not None


async def test_backend_unreachable_means_denied_with_a_clear_error(
    gateway: GatewayUnderTest,
) -> None:
    gateway.backend.grant(5, 1)
    gateway.backend.down = True
    client = await gateway.client()
    await client.auth(1)
    reply = await client.subscribe("changes.project.5.*")
    assert (reply["code"], reply["message"]) == (
        "backend_unavailable",
        "permissions cannot be checked right now: try again later",
    )
    gateway.publish(US, None, pk="not for you")
    # Not cached: once the backend is back the same subscription works.
    gateway.backend.down = False
    assert (await client.subscribe("changes.project.5.*"))["cmd"] == "ack"
    gateway.publish(US, None, pk="yours")
    assert await _next_pk(client) == "yours"


async def test_a_user_removed_from_a_project_stops_receiving_within_the_cache_time(
    gateway_factory,
) -> None:
    gateway = await gateway_factory(permission_cache_seconds=0.05)
    gateway.backend.grant(5, 1)
    client = await gateway.client()
    await client.auth(1)
    await client.subscribe("changes.project.5.*")
    await client.subscribe("notifications")
    gateway.backend.revoke(5, 1)
    revoked = await client.recv()
    assert revoked == {
        "cmd": "error",
        "id": None,
        "code": "subscription_revoked",
        "message": "you may not view project 5",
        "routing_key": "changes.project.5.*",
    }
    gateway.publish(US, None, pk="no longer yours")
    gateway.publish("notifications", None, pk="still yours")
    assert await _next_pk(client) == "still yours"
    assert (await client.send(cmd="unsubscribe", routing_key="changes.project.5.*"))["code"] == (
        "not_subscribed"
    )


async def test_lost_app_permissions_narrow_a_live_subscription(gateway_factory) -> None:
    gateway = await gateway_factory(permission_cache_seconds=0.05)
    gateway.backend.grant(5, 1)
    client = await gateway.client()
    await client.auth(1)
    await client.subscribe("changes.project.5.*")
    asked = len(gateway.backend.asked)
    gateway.backend.grant(5, 1, {"view_project", "view_us"})
    # Two re-checks later the narrower permissions are surely in force.
    while len(gateway.backend.asked) < asked + 2:
        gateway.publish(TASK, None, pk="task")
        gateway.publish(US, None, pk="marker")
        while await _next_pk(client) != "marker":
            pass
    gateway.publish(TASK, None, pk="task")
    gateway.publish(US, None, pk="story")
    assert await _next_pk(client) == "story"


async def test_a_backend_outage_suspends_live_subscriptions_until_it_is_back(
    gateway_factory,
) -> None:
    # Probing as fast as it can, the client must not be rate-limited.
    gateway = await gateway_factory(permission_cache_seconds=0.05, command_rate=1e9)
    gateway.backend.grant(5, 1)
    client = await gateway.client()
    await client.auth(1)
    await client.subscribe("changes.project.5.*")
    gateway.backend.down = True
    suspended = await client.recv()
    assert (suspended["code"], suspended["routing_key"]) == (
        "subscription_suspended",
        "changes.project.5.*",
    )
    gateway.publish(US, None, pk="while suspended")
    gateway.backend.down = False
    # Resumed by a re-check, without the client doing anything: probe until it is. An
    # event published before a ping arrives before the pong, if it is delivered at all.
    received: list[dict] = []
    while not received:
        gateway.publish(US, None, pk="probe")
        await client.ws.send('{"cmd":"ping","id":"probe"}')
        while (frame := await client.recv()).get("id") != "probe":
            received.append(frame)
    assert [frame["data"]["pk"] for frame in received] == ["probe"]


async def test_a_superuser_demoted_loses_cross_project_subscriptions(gateway_factory) -> None:
    gateway = await gateway_factory(permission_cache_seconds=0.05)
    gateway.backend.superusers.add(1)
    client = await gateway.client()
    await client.auth(1)
    await client.subscribe("changes.#")
    gateway.backend.superusers.clear()
    revoked = await client.recv()
    assert (revoked["code"], revoked["routing_key"]) == ("subscription_revoked", "changes.#")


async def test_authenticating_keeps_anonymous_subscriptions_switching_user_drops_them(
    gateway: GatewayUnderTest,
) -> None:
    gateway.backend.grant(5, None)
    client = await gateway.client()
    await client.subscribe("changes.project.5.*")
    await client.auth(1, "s1")
    gateway.publish(US, None, pk="kept")
    assert await _next_pk(client) == "kept"
    await client.auth(2, "s2")
    await client.subscribe("notifications")
    gateway.publish(US, None, pk="dropped")
    gateway.publish("notifications", None, pk="new user's")
    assert await _next_pk(client) == "new user's"
