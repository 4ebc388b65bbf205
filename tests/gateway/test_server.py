"""The protocol over real sockets: commands, replies, errors and fan-out."""

import asyncio
import socket
import urllib.error
import urllib.request

import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.gateway.conftest import Client, GatewayUnderTest, make_token

KEY = "changes.project.5.userstories.userstory"


async def test_ping_is_answered_before_auth(gateway: GatewayUnderTest) -> None:
    async with connect(gateway.url) as ws:
        await ws.send('{"cmd":"ping"}')
        assert orjson.loads(await ws.recv()) == {"cmd": "pong"}
    client = await gateway.client()
    pong = await client.send(cmd="ping")
    # With an id, it also says where the history stands (docs/PROTOCOL.md).
    assert pong == {"cmd": "pong", "id": 1, "position": -1, "epoch": gateway.bus.epoch}


async def test_auth_then_subscribe_then_events(gateway: GatewayUnderTest) -> None:
    gateway.backend.grant(5, 1)
    client = await gateway.client()
    assert await client.auth(1, "session-a") == {"cmd": "ack", "id": 1}
    # The ack says where the history stands (nothing published yet: -1) and which it is.
    epoch = gateway.bus.epoch
    assert await client.send(cmd="subscribe", routing_key="changes.project.5.*") == {
        "cmd": "ack",
        "id": 2,
        "position": -1,
        "epoch": epoch,
    }
    gateway.publish(KEY, "session-b", type="create", matches="userstories.userstory", pk=3)
    assert await client.recv() == {
        "routing_key": KEY,
        "session_id": "session-b",
        "data": {"type": "create", "matches": "userstories.userstory", "pk": 3},
        "position": 0,
        "epoch": epoch,
    }


async def test_old_clients_without_ids_get_no_acks(gateway: GatewayUnderTest) -> None:
    gateway.backend.grant(5, None)
    async with connect(gateway.url) as ws:
        await ws.send('{"cmd":"subscribe","routing_key":"changes.project.5.*"}')
        await ws.send('{"cmd":"ping"}')
        # The pong comes first: the subscribe produced no reply of its own.
        assert orjson.loads(await ws.recv()) == {"cmd": "pong"}
        gateway.publish(KEY, None, type="change", matches="userstories.userstory", pk=1)
        assert orjson.loads(await ws.recv())["routing_key"] == KEY


async def test_echo_is_suppressed_unless_self_notification(gateway: GatewayUnderTest) -> None:
    gateway.backend.grant(5, 1)
    gateway.backend.grant(5, 2)
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
    gateway.backend.grant(5, 1)
    # Cross-project patterns such as changes.# are for superusers.
    gateway.backend.superusers.add(1)
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


# Limits -------------------------------------------------------------------------------


async def test_commands_beyond_the_rate_are_refused_until_tokens_come_back(
    gateway_factory,
) -> None:
    gateway = await gateway_factory(command_rate=0.001, command_burst=3)
    client = await gateway.client()
    for _ in range(3):
        assert (await client.send(cmd="ping"))["cmd"] == "pong"
    reply = await client.send(cmd="ping")
    assert (reply["cmd"], reply["code"], reply["id"]) == ("error", "rate_limited", 4)
    # The connection stays; it is only told to slow down.
    assert (await client.send(cmd="subscribe", routing_key="notifications"))["code"] == (
        "rate_limited"
    )


async def test_frames_over_the_limit_get_an_error_huge_ones_a_close(gateway_factory) -> None:
    gateway = await gateway_factory(max_frame_bytes=1000)
    client = await gateway.client()
    padding = "x" * 1000
    reply = await client.send(cmd="ping", padding=padding)
    assert (reply["code"], reply["id"]) == ("frame_too_large", None)
    assert (await client.send(cmd="ping"))["cmd"] == "pong"
    # Sixteen times the limit is not even read: close 1009 (message too big).
    await client.ws.send("x" * 16_001)
    with pytest.raises(ConnectionClosed):
        await client.recv()
    assert client.ws.close_code == 1009


async def test_subscriptions_per_connection_are_limited(gateway_factory) -> None:
    gateway = await gateway_factory(max_subscriptions=2)
    client = await gateway.client()
    await client.auth(1)
    assert (await client.subscribe("notifications"))["cmd"] == "ack"
    assert (await client.subscribe("web_notifications.1"))["cmd"] == "ack"
    # Subscribing again to the same pattern only changes its options.
    assert (await client.subscribe("notifications", selfNotification=True))["cmd"] == "ack"
    assert (await client.subscribe("live_notifications.1"))["code"] == "too_many_subscriptions"
    await client.send(cmd="unsubscribe", routing_key="notifications")
    assert (await client.subscribe("live_notifications.1"))["cmd"] == "ack"


async def test_routing_key_length_and_segments_are_limited(gateway_factory) -> None:
    gateway = await gateway_factory(max_routing_key_length=31, max_routing_key_segments=5)
    gateway.backend.grant(5, 1)
    client = await gateway.client()
    await client.auth(1)
    assert (await client.subscribe("changes.project.5.userstories.*"))["cmd"] == "ack"
    too_long = await client.subscribe("changes.project.5.userstories.userstory")
    assert (too_long["code"], too_long["message"]) == (
        "invalid_argument",
        "routing_key is longer than 31 characters",
    )
    too_deep = await client.subscribe("changes.project.5.a.b.c")
    assert too_deep["message"] == "routing_key has more than 5 segments"


async def test_origin_allow_list(gateway_factory) -> None:
    gateway = await gateway_factory(allowed_origins=("https://taiga.example",))
    async with connect(gateway.url, origin="https://taiga.example") as ws:
        await ws.send('{"cmd":"ping"}')
        assert orjson.loads(await ws.recv()) == {"cmd": "pong"}
    with pytest.raises(InvalidStatus) as raised:
        await connect(gateway.url, origin="https://evil.example")
    assert raised.value.response.status_code == 403
    # Clients that send no Origin (not browsers) are not concerned by it.
    async with connect(gateway.url) as ws:
        await ws.send('{"cmd":"ping"}')
        assert orjson.loads(await ws.recv()) == {"cmd": "pong"}


async def test_a_client_that_stops_reading_is_closed_and_others_are_unaffected(
    gateway_factory,
) -> None:
    gateway = await gateway_factory(send_buffer_bytes=64 * 1024)
    metrics = gateway.running.gateway.metrics
    fast = await gateway.client()
    await fast.auth(1)
    await fast.subscribe("notifications")
    # A small receive buffer and a one-message queue: the kernel soon stops taking data.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", gateway.running.port))
    slow = Client(await connect(gateway.url, sock=sock, max_queue=1, max_size=None))
    await slow.auth(2)
    await slow.subscribe("notifications")
    body = "y" * 100_000
    sent = 0
    while not metrics.slow_client_closes:
        sent += 1
        gateway.publish("notifications", None, title=str(sent), desc=body)
        assert (await fast.recv())["data"]["title"] == str(sent)
        assert sent < 2000, "the slow client was never closed"
    # Still served after the slow client is gone.
    gateway.publish("notifications", None, title="after", desc="")
    assert (await fast.recv())["data"]["title"] == "after"
    # The slow client, reading again, finds its backlog (nothing sent after it overflowed)
    # and then the close.
    titles = []
    with pytest.raises(ConnectionClosed) as raised:
        while True:
            titles.append((await slow.recv())["data"]["title"])
    assert titles == [str(n) for n in range(1, len(titles) + 1)]
    assert len(titles) <= sent
    assert (raised.value.rcvd.code, raised.value.rcvd.reason) == (
        4000,
        "send buffer full: client too slow",
    )


# At-least-once delivery from the outbox ------------------------------------------------


async def test_an_event_published_twice_is_delivered_once(gateway: GatewayUnderTest) -> None:
    client = await gateway.client()
    await client.auth(1)
    await client.subscribe("notifications")
    for event_id in ("a", "a", "b", "a"):
        body = {"session_id": None, "data": {"n": event_id}, "event_id": event_id}
        gateway.bus.publish("notifications", orjson.dumps(body))
    assert [(await client.recv())["event_id"] for _ in range(2)] == ["a", "b"]
    # Nothing else came: the pong is next.
    pong = await client.send(cmd="ping")
    assert pong["cmd"] == "pong"
    assert gateway.running.gateway.metrics.duplicates_dropped == 2


# Health, metrics, drain ----------------------------------------------------------------


async def test_healthz_and_metrics_on_the_app_port(gateway: GatewayUnderTest) -> None:
    assert await gateway.get("/healthz") == (200, '{"status":"ok"}')
    gateway.backend.grant(5, 1)
    client = await gateway.client()
    await client.auth(1)
    await client.subscribe("changes.project.5.*")
    await client.subscribe("notifications")
    await client.subscribe("web_notifications.2")
    await client.send(cmd="dance")
    gateway.bus.publish("notifications", b"not json")
    gateway.publish("notifications", None, title="t")
    gateway.publish("changes.project.6.tasks.task", None, pk=1)
    await client.recv()
    status, text = await gateway.get("/metrics")
    assert status == 200
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    expected = {
        ("taiga_events_connections", ()): 1,
        ("taiga_events_authenticated_connections", ()): 1,
        ("taiga_events_subscriptions", ()): 2,
        ("taiga_events_events_received_total", ()): 2,
        ("taiga_events_events_duplicate_total", ()): 0,
        ("taiga_events_frames_sent_total", ()): 1,
        ("taiga_events_events_dropped_total", (("reason", "not_json"),)): 1,
        ("taiga_events_slow_client_closes_total", ()): 0,
        ("taiga_events_history_losses_total", ()): 0,
        ("taiga_events_broker_connected", ()): 1,
        ("taiga_events_broker_reconnects_total", ()): 0,
        ("taiga_events_authorization_denials_total", (("reason", "forbidden"),)): 1,
        ("taiga_events_error_frames_total", (("code", "forbidden"),)): 1,
        ("taiga_events_error_frames_total", (("code", "unknown_command"),)): 1,
        ("taiga_events_delivery_latency_seconds_count", ()): 1,
    }
    assert {key: samples.get(key) for key in expected} == expected
    assert await gateway.get("/nothing") == (
        404,
        "Not found: /healthz or /metrics\n",
    )


async def test_stop_drains_with_going_away_and_a_reason(gateway: GatewayUnderTest) -> None:
    clients = [await gateway.client() for _ in range(3)]
    for client in clients:
        await client.send(cmd="ping")
    await gateway.running.stop()
    for client in clients:
        with pytest.raises(ConnectionClosed) as raised:
            await client.recv()
        assert (raised.value.rcvd.code, raised.value.rcvd.reason) == (1001, "server shutting down")
    assert gateway.running.status() == "shutting down"
    with pytest.raises(OSError):
        await connect(gateway.url)
