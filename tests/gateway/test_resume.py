"""Resuming where a client stopped: ``subscribe`` with ``since`` (docs/PROTOCOL.md).

On the in-process bus, which numbers its messages as RabbitMQ's stream does and keeps the
last ones, so that a gateway started again on it can resume clients too.
"""

from __future__ import annotations

import pytest

from taiga_events.brokers.memory import MemoryBroker, MemoryBus
from tests.gateway.conftest import Client, GatewayUnderTest

STORIES = "changes.project.5.userstories.userstory"
TASKS = "changes.project.5.tasks.task"


async def _follower(gateway: GatewayUnderTest, user_id: int = 1, **subscribe) -> Client:
    client = await gateway.client()
    await client.auth(user_id, f"session-{user_id}")
    if subscribe:
        reply = await client.send(cmd="subscribe", **subscribe)
        assert reply["cmd"] == "ack", reply
    return client


async def _pks(client: Client, count: int) -> list[object]:
    return [(await client.recv())["data"]["pk"] for _ in range(count)]


async def _nothing_more(client: Client) -> None:
    """The pong comes next: nothing else was sent."""
    assert (await client.send(cmd="ping"))["cmd"] == "pong"


def _publish_stories(gateway: GatewayUnderTest, pks, session: str | None = None) -> None:
    for pk in pks:
        gateway.publish(STORIES, session, pk=pk)


async def test_a_client_that_reconnects_gets_what_it_missed_then_live(
    gateway: GatewayUnderTest,
) -> None:
    gateway.backend.grant(5, 1)
    first = await _follower(gateway, routing_key="changes.project.5.*")
    _publish_stories(gateway, [1, 2])
    seen = [await first.recv() for _ in range(2)]
    await first.ws.close()
    _publish_stories(gateway, [3, 4, 5])  # missed

    again = await _follower(gateway)
    last = seen[-1]
    since = {"position": last["position"], "epoch": last["epoch"]}
    reply = await again.send(cmd="subscribe", routing_key="changes.project.5.*", since=since)
    assert reply == {
        "cmd": "ack",
        "id": 2,
        "recovered": True,
        "position": last["position"] + 3,
        "epoch": last["epoch"],
    }
    assert await _pks(again, 3) == [3, 4, 5]
    _publish_stories(gateway, [6])
    assert await _pks(again, 1) == [6]
    await _nothing_more(again)


async def test_the_ack_position_resumes_a_client_that_saw_no_event(
    gateway: GatewayUnderTest,
) -> None:
    gateway.backend.grant(5, 1)
    _publish_stories(gateway, [1])
    client = await gateway.client()
    await client.auth(1)
    ack = await client.send(cmd="subscribe", routing_key=STORIES)
    await client.ws.close()
    _publish_stories(gateway, [2])
    again = await _follower(gateway)
    since = {"position": ack["position"], "epoch": ack["epoch"]}
    assert (await again.send(cmd="subscribe", routing_key=STORIES, since=since))["recovered"]
    assert await _pks(again, 1) == [2]


async def test_what_is_replayed_is_authorized_and_filtered_as_live_events(
    gateway: GatewayUnderTest,
) -> None:
    gateway.backend.grant(5, 1, {"view_project", "view_us"})  # no tasks
    mark = await (await _follower(gateway)).send(cmd="subscribe", routing_key=STORIES)
    gateway.publish(TASKS, None, pk="task")
    gateway.publish(STORIES, "session-1", pk="own")  # the client's own change: an echo
    gateway.publish(STORIES, None, pk="story")
    gateway.publish("changes.project.6.userstories.userstory", None, pk="other project")
    client = await _follower(gateway)
    since = {"position": mark["position"], "epoch": mark["epoch"]}
    reply = await client.send(cmd="subscribe", routing_key="changes.project.5.*", since=since)
    assert reply["recovered"]
    assert await _pks(client, 1) == ["story"]
    await _nothing_more(client)
    # With selfNotification, its own change comes back too.
    again = await _follower(gateway)
    options = {"selfNotification": True}
    await again.send(
        cmd="subscribe", routing_key="changes.project.5.*", since=since, options=options
    )
    assert await _pks(again, 2) == ["own", "story"]


async def test_each_missed_event_is_replayed_once_across_subscriptions(
    gateway: GatewayUnderTest,
) -> None:
    gateway.backend.grant(5, 1)
    mark = await (await _follower(gateway)).send(cmd="subscribe", routing_key=STORIES)
    _publish_stories(gateway, [1, 2])
    client = await _follower(gateway)
    since = {"position": mark["position"], "epoch": mark["epoch"]}
    await client.send(cmd="subscribe", routing_key="changes.project.5.*", since=since)
    assert await _pks(client, 2) == [1, 2]
    # A second, narrower subscription from the same point: both events were already sent.
    reply = await client.send(cmd="subscribe", routing_key=STORIES, since=since)
    assert reply["recovered"]
    await _nothing_more(client)
    _publish_stories(gateway, [3])
    assert await _pks(client, 1) == [3]  # live: once, though two subscriptions match
    await _nothing_more(client)


@pytest.mark.parametrize(
    ("since", "reason"),
    [
        ({"position": 0, "epoch": "another-history"}, "epoch"),
        ({"position": 99, "epoch": None}, "future"),
    ],
)
async def test_a_resume_that_cannot_be_done_says_why_and_goes_on_live(
    gateway: GatewayUnderTest, since: dict, reason: str
) -> None:
    gateway.backend.grant(5, 1)
    _publish_stories(gateway, [1])
    since = {**since, "epoch": since["epoch"] or gateway.bus.epoch}
    client = await _follower(gateway)
    reply = await client.send(cmd="subscribe", routing_key=STORIES, since=since)
    assert (reply["cmd"], reply["recovered"], reply["reason"]) == ("ack", False, reason)
    assert (reply["position"], reply["epoch"]) == (0, gateway.bus.epoch)
    _publish_stories(gateway, [2])
    assert await _pks(client, 1) == [2]


async def test_history_that_no_longer_reaches_back_is_not_recovered(gateway_factory) -> None:
    bus = MemoryBus(history_size=3)
    gateway = await gateway_factory(MemoryBroker(bus), history_size=3)
    gateway.backend.grant(5, 1)
    for pk in range(6):
        bus.publish(STORIES, b'{"session_id": null, "data": {"pk": %d}}' % pk)
    client = await _follower(gateway)
    since = {"position": 1, "epoch": bus.epoch}
    reply = await client.send(cmd="subscribe", routing_key=STORIES, since=since)
    assert (reply["recovered"], reply["reason"]) == (False, "too_old")
    since["position"] = 2  # 3, 4 and 5 are still kept
    assert (await client.send(cmd="subscribe", routing_key=STORIES, since=since))["recovered"]
    assert await _pks(client, 3) == [3, 4, 5]


async def test_more_missed_than_a_replay_may_send_is_not_recovered(gateway_factory) -> None:
    gateway = await gateway_factory(replay_limit=2)
    gateway.backend.grant(5, 1)
    _publish_stories(gateway, [1, 2, 3])
    client = await _follower(gateway)
    since = {"position": -1, "epoch": gateway.bus.epoch}
    reply = await client.send(cmd="subscribe", routing_key=STORIES, since=since)
    assert (reply["recovered"], reply["reason"]) == (False, "limit")
    await _nothing_more(client)


async def test_a_restarted_gateway_resumes_from_the_brokers_history(gateway_factory) -> None:
    first = await gateway_factory()
    first.backend.grant(5, 1)
    client = await _follower(first, routing_key=STORIES)
    _publish_stories(first, [1])
    seen = await client.recv()
    await first.running.stop()
    _publish_stories(first, [2, 3])  # while no gateway runs

    second = await gateway_factory(MemoryBroker(first.bus))
    second.backend.grant(5, 1)
    again = await _follower(second)
    since = {"position": seen["position"], "epoch": seen["epoch"]}
    reply = await again.send(cmd="subscribe", routing_key=STORIES, since=since)
    assert reply["recovered"], reply
    assert await _pks(again, 2) == [2, 3]


@pytest.mark.parametrize(
    "since",
    [
        "5",
        {"position": "5", "epoch": "e"},
        {"position": True, "epoch": "e"},
        {"position": -2, "epoch": "e"},
        {"position": 5},
        {"position": 5, "epoch": ""},
        {"position": 5, "epoch": "e" * 200},
    ],
)
async def test_a_malformed_since_is_an_error_and_the_connection_stays(
    gateway: GatewayUnderTest, since: object
) -> None:
    gateway.backend.grant(5, 1)
    client = await _follower(gateway)
    reply = await client.send(cmd="subscribe", routing_key=STORIES, since=since)
    assert (reply["cmd"], reply["code"]) == ("error", "invalid_argument")
    assert (await client.send(cmd="subscribe", routing_key=STORIES))["cmd"] == "ack"


async def test_a_pong_says_where_the_history_stands_so_quiet_subscriptions_resume(
    gateway_factory,
) -> None:
    # A client that follows a quiet project while others are busy: its last event, or its
    # ack, falls further behind than a replay may reach; the pong after the others' events
    # is a point it has everything up to.
    gateway = await gateway_factory(replay_limit=2)
    gateway.backend.grant(5, 1)
    client = await _follower(gateway, routing_key=STORIES)
    for pk in range(4):
        gateway.publish("changes.project.6.userstories.userstory", None, pk=pk)
    pong = await client.send(cmd="ping")
    assert pong == {"cmd": "pong", "id": 3, "position": 3, "epoch": gateway.bus.epoch}
    await client.ws.close()
    _publish_stories(gateway, [1])  # missed

    again = await _follower(gateway)
    too_old = {"position": 0, "epoch": gateway.bus.epoch}  # where its ack left it
    reply = await again.send(cmd="subscribe", routing_key=STORIES, since=too_old)
    assert (reply["recovered"], reply["reason"]) == (False, "limit")
    since = {"position": pong["position"], "epoch": pong["epoch"]}
    assert (await again.send(cmd="subscribe", routing_key=STORIES, since=since))["recovered"]
    assert await _pks(again, 1) == [1]


async def test_a_ping_without_an_id_gets_the_originals_bare_pong(
    gateway: GatewayUnderTest,
) -> None:
    _publish_stories(gateway, [1])
    client = await gateway.client()
    await client.ws.send('{"cmd": "ping"}')
    assert await client.recv() == {"cmd": "pong"}
