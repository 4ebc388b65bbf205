"""The protocol over real sockets: commands, replies, errors and fan-out."""

import asyncio
import urllib.error
import urllib.request

import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.gateway.conftest import GatewayUnderTest, make_token

KEY = "changes.project.5.userstories.userstory"


async def test_ping_is_answered_before_auth(gateway: GatewayUnderTest) -> None:
    async with connect(gateway.url) as ws:
        await ws.send('{"cmd":"ping"}')
        assert orjson.loads(await ws.recv()) == {"cmd": "pong"}
    client = await gateway.client()
    assert await client.send(cmd="ping") == {"cmd": "pong", "id": 1}


async def test_auth_then_subscribe_then_events(gateway: GatewayUnderTest) -> None:
    gateway.access.viewable.add((5, 1))
    client = await gateway.client()
    assert await client.auth(1, "session-a") == {"cmd": "ack", "id": 1}
    assert await client.send(cmd="subscribe", routing_key="changes.project.5.*") == {
        "cmd": "ack",
        "id": 2,
    }
    gateway.publish(KEY, "session-b", type="create", matches="userstories.userstory", pk=3)
    assert await client.recv() == {
        "routing_key": KEY,
        "session_id": "session-b",
        "data": {"type": "create", "matches": "userstories.userstory", "pk": 3},
    }


async def test_old_clients_without_ids_get_no_acks(gateway: GatewayUnderTest) -> None:
    gateway.access.viewable.add((5, None))
    async with connect(gateway.url) as ws:
        await ws.send('{"cmd":"subscribe","routing_key":"changes.project.5.*"}')
        await ws.send('{"cmd":"ping"}')
        # The pong comes first: the subscribe produced no reply of its own.
        assert orjson.loads(await ws.recv()) == {"cmd": "pong"}
        gateway.publish(KEY, None, type="change", matches="userstories.userstory", pk=1)
        assert orjson.loads(await ws.recv())["routing_key"] == KEY


async def test_echo_is_suppressed_unless_self_notification(gateway: GatewayUnderTest) -> None:
    gateway.access.viewable.update({(5, 1), (5, 2)})
    plain, wants_echo = await gateway.client(), await gateway.client()
    await plain.auth(1, "mine")
    await wants_echo.auth(2, "mine")
    await plain.send(cmd="subscribe", routing_key=KEY)
    await wants_echo.send(cmd="subscribe", routing_key=KEY, options={"selfNotification": True})
    gateway.publish(KEY, "mine", type="change", matches="userstories.userstory", pk=1)
    gateway.publish(KEY, "other", type="change", matches="userstories.userstory", pk=2)
    # The plain client's next frame is the second event: the echo never came.
    assert (await plain.recv())["data"]["pk"] == 2
    assert (await wants_echo.recv())["data"]["pk"] == 1
    assert (await wants_echo.recv())["data"]["pk"] == 2


async def test_overlapping_patterns_deliver_once(gateway: GatewayUnderTest) -> None:
    gateway.access.viewable.add((5, 1))
    client = await gateway.client()
    await client.auth(1)
    for pattern in (KEY, "changes.project.5.*", "changes.project.5.userstories.*", "changes.#"):
        assert (await client.send(cmd="subscribe", routing_key=pattern))["cmd"] == "ack"
    gateway.publish(KEY, None, type="change", matches="userstories.userstory", pk=1)
    gateway.publish(KEY, None, type="change", matches="userstories.userstory", pk=2)
    assert (await client.recv())["data"]["pk"] == 1
    assert (await client.recv())["data"]["pk"] == 2


async def test_unsubscribe_stops_delivery(gateway: GatewayUnderTest) -> None:
    client = await gateway.client()
    await client.auth(1)
    await client.send(cmd="subscribe", routing_key="notifications")
    await client.send(cmd="subscribe", routing_key="web_notifications.1")
    assert await client.send(cmd="unsubscribe", routing_key="notifications") == {
        "cmd": "ack",
        "id": 4,
    }
    gateway.publish("notifications", None, title="t", desc="d")
    gateway.publish("web_notifications.1", None, type="assigned")
    assert (await client.recv())["routing_key"] == "web_notifications.1"
    reply = await client.send(cmd="unsubscribe", routing_key="notifications")
    assert reply["code"] == "not_subscribed"


async def test_live_notifications_are_pinned_to_the_callers_id(gateway: GatewayUnderTest) -> None:
    client = await gateway.client()
    await client.auth(1)
    await client.send(cmd="subscribe", routing_key="live_notifications.2")
    gateway.publish("live_notifications.2", None, title="not yours")
    gateway.publish("live_notifications.1", None, title="yours")
    assert (await client.recv())["data"]["title"] == "yours"


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "invalid_json"),
        ("null", "invalid_command"),
        ('{"cmd":"dance","id":1}', "unknown_command"),
        ('{"cmd":"subscribe","routing_key":"bad key!","id":1}', "invalid_argument"),
        ('{"cmd":"subscribe","routing_key":"web_notifications.1","id":1}', "not_authenticated"),
        ('{"cmd":"subscribe","routing_key":"changes.project.9.*","id":1}', "not_authenticated"),
        ('{"cmd":"auth","data":{"token":"nope"},"id":1}', "auth_failed"),
    ],
)
async def test_bad_input_gets_an_error_frame_and_the_connection_stays(
    gateway: GatewayUnderTest, frame: str, code: str
) -> None:
    async with connect(gateway.url) as ws:
        await ws.send(frame)
        reply = orjson.loads(await ws.recv())
        assert reply["cmd"] == "error"
        assert reply["code"] == code
        assert reply["message"]
        await ws.send('{"cmd":"ping"}')
        assert orjson.loads(await ws.recv()) == {"cmd": "pong"}


async def test_forbidden_subscriptions(gateway: GatewayUnderTest) -> None:
    client = await gateway.client()
    await client.auth(1)
    assert (await client.send(cmd="subscribe", routing_key="web_notifications.2"))[
        "code"
    ] == "forbidden"
    assert (await client.send(cmd="subscribe", routing_key="changes.project.9.*"))[
        "code"
    ] == "forbidden"


async def test_expired_token_is_refused(gateway: GatewayUnderTest) -> None:
    client = await gateway.client()
    expired = make_token(1, exp=1)
    reply = await client.send(cmd="auth", data={"token": expired, "sessionId": "s"})
    assert reply["code"] == "auth_failed"
    assert "expired" in reply["message"]
    assert expired not in reply["message"]


async def test_bad_broker_messages_are_dropped_and_delivery_goes_on(
    gateway: GatewayUnderTest,
) -> None:
    client = await gateway.client()
    await client.auth(1)
    await client.send(cmd="subscribe", routing_key="notifications")
    for body in (b"not json", b"[]", b'{"no":"data"}', b'{"session_id":5,"data":{}}'):
        gateway.bus.publish("notifications", body)
    gateway.publish("notifications", None, title="after", desc="")
    assert (await client.recv())["data"]["title"] == "after"
    assert gateway.running.broker.dropped == 4


async def test_other_paths_are_not_found(gateway: GatewayUnderTest) -> None:
    http_url = gateway.url.replace("ws://", "http://").replace("/events", "/elsewhere")
    with pytest.raises(urllib.error.HTTPError) as raised:
        await asyncio.to_thread(urllib.request.urlopen, http_url)
    raised.value.close()
    assert raised.value.code == 404


async def test_stop_closes_clients_with_going_away(gateway: GatewayUnderTest) -> None:
    client = await gateway.client()
    await client.send(cmd="ping")
    await gateway.running.stop()
    with pytest.raises(ConnectionClosed) as raised:
        await client.recv()
    assert raised.value.rcvd.code == 1001
