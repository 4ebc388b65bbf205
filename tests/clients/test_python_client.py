"""The Python client: its pure parts directly, its behaviour against live gateways."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import orjson
import pytest
from websockets.asyncio.server import Server, ServerConnection, serve

from taiga_events.brokers.memory import MemoryBus
from taiga_events.clients.client import (
    ChangeEvent,
    Event,
    EventsClient,
    EventsError,
    LiveNotification,
    Reply,
    State,
    StateChange,
    SystemNotification,
    WebNotification,
    api_request,
    backoff_ceiling,
    backoff_delay,
    encode_command,
    parse_frame,
)
from taiga_events.clients.resume import Mark, Resumed
from tests.clients.harness import (
    MEMORY_ONLY,
    USER_ID,
    SilenceableProxy,
    TestGateway,
    make_token,
)
from tests.e2e.conftest import Stack

T = TypeVar("T")
WAIT_SECONDS = 10
US_KEY = "changes.project.1.userstories.userstory"
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def change(pk: int | list[int], type: str = "change") -> dict[str, Any]:
    return {"type": type, "matches": "userstories.userstory", "pk": pk}


def envelope(session_id: str | None, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"session_id": session_id, "data": data, **extra}


async def within(awaitable: Awaitable[T]) -> T:
    return await asyncio.wait_for(awaitable, WAIT_SECONDS)


# Pure parts -------------------------------------------------------------------------------


def test_events_are_typed_by_routing_key_and_keep_unknown_fields() -> None:
    single = parse_frame(
        b'{"routing_key":"changes.project.5.tasks.task","session_id":"s","later":1,'
        b'"data":{"type":"create","matches":"tasks.task","pk":3,"more":true},'
        b'"position":7,"epoch":"e1"}'
    )
    assert single == ChangeEvent(
        routing_key="changes.project.5.tasks.task",
        session_id="s",
        data={"type": "create", "matches": "tasks.task", "pk": 3, "more": True},
        position=7,
        epoch="e1",
        frame=single.frame,
        project_id=5,
        type="create",
        matches="tasks.task",
        pks=(3,),
    )
    assert single.frame["later"] == 1
    bulk = parse_frame(
        '{"routing_key":"changes.project.5.userstories.userstory","data":'
        '{"type":"change","pk":[1,2,3]}}'
    )
    assert isinstance(bulk, ChangeEvent)
    assert (bulk.pks, bulk.session_id, bulk.matches) == ((1, 2, 3), None, None)
    assert (bulk.position, bulk.epoch) == (None, None)
    web = parse_frame('{"routing_key":"web_notifications.42","data":{"type":"assigned"}}')
    assert isinstance(web, WebNotification)
    assert web.user_id == 42
    live = parse_frame(
        '{"routing_key":"live_notifications.42","data":{"title":"T","body":"B","url":"U"}}'
    )
    assert isinstance(live, LiveNotification)
    assert (live.user_id, live.title, live.body, live.url) == (42, "T", "B", "U")
    system = parse_frame('{"routing_key":"notifications","data":{"title":"M","desc":"D"}}')
    assert isinstance(system, SystemNotification)
    assert (system.title, system.desc) == ("M", "D")
    other = parse_frame('{"routing_key":"something.new","data":null}')
    assert type(other) is Event
    assert other.data == {}


def test_replies_and_unknown_frames() -> None:
    assert parse_frame('{"cmd":"pong"}') == Reply("pong", None)
    assert parse_frame('{"cmd":"pong","id":3,"position":8,"epoch":"e"}') == Reply(
        "pong", 3, mark=Mark(8, "e")
    )
    assert parse_frame('{"cmd":"ack","id":4,"later":1}') == Reply("ack", 4)
    assert parse_frame(
        '{"cmd":"ack","id":4,"recovered":false,"reason":"too_old","position":-1,"epoch":"e"}'
    ) == Reply("ack", 4, mark=Mark(-1, "e"), recovered=False, reason="too_old")
    assert parse_frame('{"cmd":"error","id":5,"code":"forbidden","message":"no"}') == Reply(
        "error", 5, "forbidden", "no"
    )
    revoked = (
        '{"cmd":"error","id":null,"code":"subscription_revoked","message":"m","routing_key":"a"}'
    )
    assert parse_frame(revoked) == Reply("error", None, "subscription_revoked", "m", "a")
    for text in ("not json", "[1]", "null", '{"cmd":"hello"}', '{"x":1}'):
        assert parse_frame(text) is None


def test_commands_carry_an_id_only_when_given() -> None:
    assert encode_command("ping") == '{"cmd":"ping"}'
    assert encode_command("subscribe", 3, routing_key="a.b") == (
        '{"cmd":"subscribe","routing_key":"a.b","id":3}'
    )


def test_backoff_ceiling_doubles_to_the_cap_and_delays_are_full_jitter() -> None:
    assert [backoff_ceiling(n, 0.1, 1.0) for n in (0, 1, 2, 3, 4, 100, 10**6)] == [
        0.1,
        0.2,
        0.4,
        0.8,
        1.0,
        1.0,
        1.0,
    ]
    assert backoff_delay(2, 0.1, 1.0, random=lambda: 0.5) == 0.2
    assert backoff_delay(9, 0.1, 1.0, random=lambda: 0.0) == 0.0
    for attempt in range(200):
        assert 0 <= backoff_delay(attempt, 0.1, 1.0) < min(1.0, 0.1 * 2**attempt)
    with pytest.raises(ValueError, match="backoff"):
        EventsClient(backoff_base=2, backoff_cap=1)


def test_one_session_id_per_client_for_the_x_session_id_header() -> None:
    first, second = EventsClient(), EventsClient()
    assert UUID4.match(first.session_id)
    assert first.session_id != second.session_id
    assert first.headers() == {"x-session-id": first.session_id}
    assert EventsClient(session_id="tab-1").headers() == {"x-session-id": "tab-1"}


# Against a live gateway ---------------------------------------------------------------------


class States:
    """Every state change of a client, and a way to await one."""

    def __init__(self, client: EventsClient) -> None:
        self.changes: list[StateChange] = []
        self._waiters: list[tuple[Callable[[StateChange], bool], asyncio.Future]] = []
        client.on_state(self._record)

    def _record(self, change: StateChange) -> None:
        self.changes.append(change)
        for waiter in list(self._waiters):
            predicate, future = waiter
            if predicate(change) and not future.done():
                future.set_result(change)
                self._waiters.remove(waiter)

    def until(self, predicate: Callable[[StateChange], bool]) -> Awaitable[StateChange]:
        future = asyncio.get_running_loop().create_future()
        self._waiters.append((predicate, future))
        return within(future)

    @property
    def states(self) -> list[State]:
        return [change.state for change in self.changes]


@pytest.fixture
async def clients() -> AsyncIterator[Callable[..., EventsClient]]:
    """Makes clients with fast backoff; closes them after the test."""
    made: list[EventsClient] = []

    def make(url: str, **options: Any) -> EventsClient:
        options = {"backoff_base": 0.01, "backoff_cap": 0.04, **options}
        made.append(EventsClient(url, **options))
        return made[-1]

    yield make
    for client in made:
        await client.close()


async def test_connects_authenticates_subscribes_and_iterates_typed_events(
    gateway: TestGateway, clients
) -> None:
    client = clients(gateway.url, token=make_token())
    states = States(client)
    assert client.state is State.IDLE
    await within(client.connect())
    assert client.state is State.OPEN
    await within(client.subscribe("changes.project.1.*"))
    events = client.events()
    gateway.publish(US_KEY, envelope("another-tab", change(3), seq=9))
    event = await within(anext(events))
    assert isinstance(event, ChangeEvent)
    assert (event.project_id, event.type, event.pks, event.session_id) == (
        1,
        "change",
        (3,),
        "another-tab",
    )
    assert event.frame["seq"] == 9
    assert states.states == [State.CONNECTING, State.OPEN]
    await within(client.ping())
    events.close()


async def test_callbacks_get_the_events_their_pattern_matches(
    gateway: TestGateway, clients
) -> None:
    client = clients(gateway.url, token=make_token())
    seen: dict[str, list[str]] = {"project": [], "tasks": [], "mine": [], "async": []}
    client.on("changes.project.1.*", lambda e: seen["project"].append(e.routing_key))
    client.on("changes.project.*.tasks.*", lambda e: seen["tasks"].append(e.routing_key))
    client.on(f"web_notifications.{USER_ID}", lambda e: seen["mine"].append(e.routing_key))
    remove = client.on("#", lambda e: pytest.fail("removed callbacks are not called"))
    remove()
    done = asyncio.Event()

    async def coroutine_callback(event: Event) -> None:
        seen["async"].append(event.routing_key)
        if len(seen["async"]) == 4:
            done.set()

    client.on("#", coroutine_callback)
    await within(client.connect())
    for pattern in ("changes.project.1.*", "changes.project.2.*", f"web_notifications.{USER_ID}"):
        await within(client.subscribe(pattern))
    keys = [
        US_KEY,
        "changes.project.1.tasks.task",
        f"web_notifications.{USER_ID}",
        "changes.project.2.tasks.task",
    ]
    for key in keys:
        gateway.publish(key, envelope(None, {"type": "change"}))
    await within(done.wait())
    assert seen == {
        "project": keys[:2],
        "tasks": [keys[1], keys[3]],
        "mine": [keys[2]],
        "async": keys,
    }


@pytest.mark.parametrize(
    ("token", "frames_sent"),
    [
        # Without auth the gateway cannot know the session id: only the client can filter.
        (None, [1, 2, 3]),
        # With auth the client gives the gateway its session id, and the gateway filters too.
        (make_token(), [2, 3]),
    ],
    ids=["anonymous", "authenticated"],
)
async def test_own_events_are_filtered_out_unless_self_notification(
    gateway: TestGateway, clients, token: str | None, frames_sent: list[int]
) -> None:
    client = clients(gateway.url, token=token)
    frames: list[Event] = []
    client.on_frame(lambda frame: isinstance(frame, Event) and frames.append(frame))
    await within(client.connect())
    await within(client.subscribe("changes.project.1.*"))
    await within(client.subscribe("changes.project.2.*", self_notification=True))
    events = client.events()
    own = client.session_id
    gateway.publish(US_KEY, envelope(own, change(1)))
    gateway.publish("changes.project.2.userstories.userstory", envelope(own, change(2)))
    gateway.publish(US_KEY, envelope("another-tab", change(3)))
    received = [await within(anext(events)) for _ in range(2)]
    assert [(e.data["pk"], e.session_id) for e in received] == [(2, own), (3, "another-tab")]
    assert [frame.data["pk"] for frame in frames] == frames_sent


async def test_error_replies_raise_with_the_gateway_code(gateway: TestGateway, clients) -> None:
    refused = clients(gateway.url, token="not-a-token")
    states = States(refused)
    events = refused.events()
    with pytest.raises(EventsError) as failure:
        await within(refused.connect())
    assert failure.value.code == "auth_failed"
    assert refused.state is State.CLOSED
    assert states.changes[-1].error is failure.value
    with pytest.raises(EventsError, match="auth_failed"):
        await within(anext(events))
    with pytest.raises(EventsError, match="closed"):
        await refused.subscribe("changes.project.1.*")

    client = clients(gateway.url, token=make_token())
    await within(client.connect())
    with pytest.raises(EventsError) as invalid:
        await within(client.subscribe("changes..project"))
    assert invalid.value.code == "invalid_argument"
    with pytest.raises(EventsError, match="not_subscribed"):
        await client.unsubscribe("changes.project.9.*")
    # The refused pattern is dropped; the connection and the other commands still work.
    await within(client.subscribe("changes.project.1.*"))
    await within(client.unsubscribe("changes.project.1.*"))
    await within(client.subscribe("notifications"))
    events = client.events()
    gateway.publish(US_KEY, envelope(None, change(1)))
    gateway.publish("notifications", envelope(None, {"title": "Maintenance", "desc": "at 2"}))
    assert (await within(anext(events))).routing_key == "notifications"


async def test_a_subscription_made_before_connecting_is_sent_once_open(
    gateway: TestGateway, clients
) -> None:
    client = clients(gateway.url, token=make_token())
    subscribed = asyncio.ensure_future(client.subscribe(f"web_notifications.{USER_ID}"))
    await within(client.connect())
    await within(subscribed)
    events = client.events()
    gateway.publish(f"web_notifications.{USER_ID}", envelope(None, {"type": "assigned"}))
    assert (await within(anext(events))).data == {"type": "assigned"}


async def test_authenticate_again_on_the_open_connection_a_refusal_changes_nothing(
    gateway: TestGateway, clients
) -> None:
    client = clients(gateway.url, token=make_token())
    await within(client.connect())
    await within(client.subscribe(f"web_notifications.{USER_ID}"))
    asked = 0

    def fresh_token() -> str:
        nonlocal asked
        asked += 1
        return make_token()

    await within(client.authenticate(fresh_token))
    assert asked == 1
    with pytest.raises(EventsError, match="auth_failed"):
        await within(client.authenticate("not-a-token"))
    assert client.state is State.OPEN
    assert client.subscriptions == (f"web_notifications.{USER_ID}",)
    events = client.events()
    gateway.publish(f"web_notifications.{USER_ID}", envelope(None, {"type": "assigned"}))
    assert (await within(anext(events))).data == {"type": "assigned"}
    # The refused token was not kept: the reconnection authenticates with the good one.
    reopened = States(client).until(lambda change: change.state is State.OPEN)
    await gateway.restart()
    await reopened
    assert asked == 2


async def test_without_a_pong_in_time_the_connection_is_replaced(
    gateway: TestGateway, clients
) -> None:
    assert gateway.proxy is not None
    client = clients(gateway.proxy.url, token=make_token(), pong_timeout=1.0)
    states = States(client)
    await within(client.connect())
    await within(client.subscribe("changes.project.1.*"))
    await within(client.ping())
    gateway.proxy.silence()
    reopened = states.until(lambda change: change.state is State.OPEN)
    with pytest.raises(EventsError, match="pong_timeout"):
        await within(client.ping())
    await reopened
    lost = next(c for c in states.changes if c.state is State.RECONNECTING)
    assert isinstance(lost.error, EventsError)
    assert lost.error.code == "pong_timeout"
    events = client.events()
    gateway.publish(US_KEY, envelope(None, change(5)))
    assert (await within(anext(events))).data["pk"] == 5


async def test_the_heartbeat_pings_by_itself_and_notices_the_silence(
    gateway: TestGateway, clients
) -> None:
    assert gateway.proxy is not None
    client = clients(gateway.proxy.url, token=make_token(), ping_interval=0.02, pong_timeout=1.0)
    states = States(client)
    pongs: asyncio.Queue[Reply] = asyncio.Queue()

    def on_frame(frame: object) -> None:
        if isinstance(frame, Reply) and frame.kind == "pong":
            pongs.put_nowait(frame)

    client.on_frame(on_frame)
    await within(client.connect())
    lost = states.until(lambda change: change.state is State.RECONNECTING)
    # Two pongs show the heartbeat runs; then the proxy goes quiet.
    for _ in range(2):
        await within(pongs.get())
    gateway.proxy.silence()
    assert (await lost).error.code == "pong_timeout"
    await states.until(lambda change: change.state is State.OPEN)


async def test_after_a_gateway_restart_it_reauthenticates_resubscribes_and_events_flow(
    gateway: TestGateway, clients
) -> None:
    tokens = 0

    async def token() -> str:
        nonlocal tokens
        tokens += 1
        return make_token()

    client = clients(gateway.url, token=token)
    states = States(client)
    await within(client.connect())
    # web_notifications needs auth: receiving one afterwards proves the re-auth too.
    await within(client.subscribe(f"web_notifications.{USER_ID}"))
    await within(client.subscribe("changes.project.1.*", self_notification=True))
    events = client.events()
    reopened = states.until(lambda change: change.state is State.OPEN)
    await gateway.restart()
    await reopened
    assert states.states[:3] == [State.CONNECTING, State.OPEN, State.RECONNECTING]
    assert states.changes[2].error.code == "connection_lost"
    assert tokens == 2
    gateway.publish(f"web_notifications.{USER_ID}", envelope(None, {"type": "mentioned"}))
    # selfNotification survived the reconnection too.
    gateway.publish(US_KEY, envelope(client.session_id, change(8)))
    received = [await within(anext(events)) for _ in range(2)]
    assert [e.data["type"] for e in received] == ["mentioned", "change"]


async def test_reconnection_delays_lie_within_the_backoff_bounds(
    gateway: TestGateway, clients
) -> None:
    fractions = [0.999, 0.0, 0.5, 0.999, 0.25, 0.999, 0.75]
    draws = iter(fractions * 100)
    base, cap = 0.01, 0.04
    client = clients(gateway.url, backoff_base=base, backoff_cap=cap, random=lambda: next(draws))
    states = States(client)
    await within(client.connect())

    def retries() -> list[StateChange]:
        return [c for c in states.changes if c.state is State.RECONNECTING]

    many = states.until(lambda _: len(retries()) >= len(fractions))
    await gateway.stop()
    await many
    reopened = states.until(lambda change: change.state is State.OPEN)
    await gateway.start()
    await reopened
    for index, retry in enumerate(retries()[: len(fractions)]):
        ceiling = min(cap, base * 2**retry.attempt)
        assert retry.attempt == index
        assert 0 <= retry.delay < ceiling
        assert retry.delay == pytest.approx(fractions[index] * ceiling)
    # An open connection starts the count again.
    count = len(states.changes)
    again = states.until(lambda change: change.state is State.RECONNECTING)
    await gateway.restart()
    assert (await again).attempt == 0
    assert states.changes[count - 1].state is State.OPEN
    await states.until(lambda change: change.state is State.OPEN)


async def test_close_is_final_and_ends_the_iterators(gateway: TestGateway, clients) -> None:
    client = clients(gateway.url, token=make_token())
    states = States(client)
    await within(client.connect())
    events = client.events()
    await client.close()
    await client.close()
    assert client.state is State.CLOSED
    with pytest.raises(StopAsyncIteration):
        await within(anext(events))
    await gateway.restart()
    assert states.states == [State.CONNECTING, State.OPEN, State.CLOSED]
    with pytest.raises(EventsError, match="closed"):
        await client.connect()
    with pytest.raises(EventsError, match="not_connected"):
        await client.ping()


async def test_async_with_and_async_for(gateway: TestGateway) -> None:
    async with EventsClient(gateway.url, token=make_token()) as client:
        await within(client.subscribe("notifications"))
        gateway.publish("notifications", envelope(None, {"title": "Hello", "desc": "all"}))
        async for event in client:
            assert isinstance(event, SystemNotification)
            assert event.title == "Hello"
            break
    assert client.state is State.CLOSED


# Against the whole system: backend, broker and gateway --------------------------------------


@MEMORY_ONLY
async def test_a_change_sent_with_the_client_headers_is_not_echoed(stack: Stack, clients) -> None:
    alice = await stack.login("alice")
    client = clients(stack.events_url, token=alice)
    await within(client.connect())
    await within(client.subscribe(f"changes.project.{stack.project.pk}.*"))
    events = client.events()
    project = {"project": stack.project.pk}
    mine = await asyncio.to_thread(
        api_request,
        "POST",
        f"{stack.api}/userstories",
        {**project, "subject": "Mine"},
        token=alice,
        session_id=client.headers()["x-session-id"],
    )
    bob = await stack.login("bob")
    theirs = await stack.http("PATCH", f"/userstories/{mine['id']}", {"subject": "x"}, token=bob)
    assert theirs.status == 200
    event = await within(anext(events))
    assert isinstance(event, ChangeEvent)
    assert (event.type, event.pks, event.matches) == (
        "change",
        (mine["id"],),
        "userstories.userstory",
    )


@MEMORY_ONLY
async def test_a_client_cut_off_while_others_change_stories_gets_each_change_once(
    stack: Stack, clients
) -> None:
    port = int(stack.events_url.rsplit(":", 1)[1].split("/", 1)[0])
    proxy = SilenceableProxy(port)
    await proxy.start()
    try:
        alice = await stack.login("alice")
        client = clients(proxy.url, token=alice)
        resumes = Resumes(client)
        states = States(client)
        pattern = f"changes.project.{stack.project.pk}.*"
        await within(client.connect())
        await within(client.subscribe(pattern))
        events = client.events()
        every: list[Event] = []
        client.on("#", every.append)
        bob = await stack.login("bob")
        first = await stack.http(
            "POST", "/userstories", {"project": stack.project.pk, "subject": "A"}, token=bob
        )
        seen = await within(anext(events))
        lost = states.until(lambda change: change.state is State.RECONNECTING)
        proxy.cut()
        await lost
        pk = first.body["id"]
        for subject in ("B", "C"):
            changed = await stack.http(
                "PATCH", f"/userstories/{pk}", {"subject": subject}, token=bob
            )
            assert changed.status == 200, changed.body
        gone = await stack.http("DELETE", f"/userstories/{pk}", token=bob)
        assert gone.status == 204, gone.body
        reopened = states.until(lambda change: change.state is State.OPEN)
        proxy.mend()
        resumed = await resumes.next()
        await reopened
        assert resumed == Resumed(pattern, True, None, Mark(seen.position, seen.epoch))
        missed = [await within(anext(events)) for _ in range(3)]
        assert [(e.type, e.pks) for e in missed] == [("change", (pk,))] * 2 + [("delete", (pk,))]
        positions = [event.position for event in (seen, *missed)]
        assert positions == sorted(set(positions))
        await within(client.ping())  # answered after anything sent before it
        assert every == [seen, *missed]
    finally:
        await proxy.close()


@MEMORY_ONLY
async def test_a_subscription_the_user_may_no_longer_see_is_revoked_and_dropped(
    stack: Stack, clients
) -> None:
    client = clients(stack.events_url)  # anonymous: public projects only
    errors: asyncio.Queue[EventsError] = asyncio.Queue()
    client.on_error(errors.put_nowait)
    pattern = f"changes.project.{stack.project.pk}.*"
    await within(client.connect())
    await within(client.subscribe(pattern))
    assert client.subscriptions == (pattern,)
    owner = await stack.login("owner")
    made_private = await stack.http(
        "PATCH", f"/projects/{stack.project.pk}", {"is_private": True}, token=owner
    )
    assert made_private.status == 200, made_private.body
    error = await within(errors.get())
    assert (error.code, error.routing_key) == ("subscription_revoked", pattern)
    assert client.subscriptions == ()


# Resuming -----------------------------------------------------------------------------------


class Resumes:
    """Every outcome a client reports to ``on_resume``, and a way to await the next one."""

    def __init__(self, client: EventsClient) -> None:
        self.queue: asyncio.Queue[Resumed] = asyncio.Queue()
        client.on_resume(self.queue.put_nowait)

    async def next(self) -> Resumed:
        return await within(self.queue.get())


async def test_after_a_gateway_restart_each_missed_event_comes_once_in_order(
    gateway: TestGateway, clients
) -> None:
    client = clients(gateway.url, token=make_token())
    resumes = Resumes(client)
    states = States(client)
    await within(client.connect())
    await within(client.subscribe("changes.project.1.*"))
    await within(client.subscribe("changes.project.2.*"))
    events = client.events()
    every: list[Event] = []
    client.on("#", every.append)
    gateway.publish(US_KEY, envelope(None, change(1)))
    first = await within(anext(events))
    assert first.position is not None and first.epoch is not None
    since = Mark(first.position, first.epoch)
    assert client.positions["changes.project.1.*"] == since
    await gateway.stop()
    # Published while no gateway runs: the broker's history keeps them.
    for pk in (2, 3, 4):
        gateway.publish(US_KEY, envelope(None, change(pk)))
    gateway.publish("changes.project.2.tasks.task", envelope(None, change(5)))
    reopened = states.until(lambda change: change.state is State.OPEN)
    await gateway.start()
    outcomes = {}
    for _ in range(2):
        resumed = await resumes.next()
        outcomes[resumed.routing_key] = resumed
    await reopened
    gateway.publish(US_KEY, envelope(None, change(6)))
    received = [await within(anext(events)) for _ in range(5)]
    assert [event.data["pk"] for event in received] == [2, 3, 4, 5, 6]
    assert [event.position for event in received] == [first.position + n for n in range(1, 6)]
    await within(client.ping())  # answered after anything sent before it
    assert every == [first, *received]
    assert outcomes["changes.project.1.*"] == Resumed("changes.project.1.*", True, None, since)
    # The other saw no event: it resumed from where its ack said the history stood.
    other = outcomes["changes.project.2.*"]
    assert other.recovered and other.since is not None and other.since.position < since.position
    assert client.positions["changes.project.1.*"] == Mark(first.position + 5, first.epoch)


async def test_a_new_history_is_reported_not_recovered_and_events_flow(
    gateway: TestGateway, clients
) -> None:
    client = clients(gateway.url, token=make_token())
    resumes = Resumes(client)
    await within(client.connect())
    await within(client.subscribe("changes.project.1.*"))
    events = client.events()
    gateway.publish(US_KEY, envelope(None, change(1)))
    first = await within(anext(events))
    gateway.new_history()
    await gateway.restart()
    resumed = await resumes.next()
    assert resumed == Resumed(
        "changes.project.1.*", False, "epoch", Mark(first.position, first.epoch)
    )
    now = client.positions["changes.project.1.*"]
    assert now == Mark(-1, gateway.bus.epoch)
    gateway.publish(US_KEY, envelope(None, change(2)))
    second = await within(anext(events))
    assert (second.data["pk"], second.position, second.epoch) == (2, 0, gateway.bus.epoch)


async def test_a_history_that_no_longer_reaches_back_is_reported_too_old(clients) -> None:
    gateway = TestGateway(bus=MemoryBus(history_size=2))
    await gateway.start()
    try:
        client = clients(gateway.url, token=make_token())
        resumes = Resumes(client)
        await within(client.connect())
        await within(client.subscribe("changes.project.1.*"))
        events = client.events()
        gateway.publish(US_KEY, envelope(None, change(1)))
        await within(anext(events))
        await gateway.stop()
        for pk in (2, 3, 4):
            gateway.publish(US_KEY, envelope(None, change(pk)))
        await gateway.start()
        resumed = await resumes.next()
        assert (resumed.recovered, resumed.reason) == (False, "too_old")
        # Live again, from where the history stands.
        gateway.publish(US_KEY, envelope(None, change(5)))
        assert (await within(anext(events))).data["pk"] == 5
    finally:
        await gateway.close()


async def test_a_pong_brings_quiet_subscriptions_up_to_where_the_history_stands(
    gateway: TestGateway, clients
) -> None:
    # Events for another project only: the quiet subscription would resume from its ack,
    # further back with every event, until a replay can no longer reach it.
    client = clients(gateway.url, token=make_token())
    await within(client.connect())
    await within(client.subscribe("changes.project.1.*"))
    await within(client.subscribe("changes.project.2.*"))
    events = client.events()
    for pk in (1, 2, 3):
        gateway.publish("changes.project.2.tasks.task", envelope(None, change(pk)))
    last = [await within(anext(events)) for _ in range(3)][-1]
    assert client.positions["changes.project.1.*"].position < last.position
    await within(client.ping())
    assert client.positions == {
        "changes.project.1.*": Mark(last.position, last.epoch),
        "changes.project.2.*": Mark(last.position, last.epoch),
    }


class ScriptedGateway:
    """A WebSocket server whose frames the test writes: it sees each command and answers
    it as an older or a resuming gateway would, in the order it chooses."""

    def __init__(self) -> None:
        self.connections: asyncio.Queue[tuple[ServerConnection, asyncio.Queue[dict]]] = (
            asyncio.Queue()
        )
        self._server: Server | None = None

    async def start(self) -> str:
        self._server = await serve(self._handle, "127.0.0.1", 0)
        return f"ws://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/events"

    async def _handle(self, websocket: ServerConnection) -> None:
        commands: asyncio.Queue[dict] = asyncio.Queue()
        await self.connections.put((websocket, commands))
        async for message in websocket:
            commands.put_nowait(orjson.loads(message))

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


@pytest.fixture
async def scripted() -> AsyncIterator[ScriptedGateway]:
    gateway = ScriptedGateway()
    yield gateway
    await gateway.close()


async def _subscribe_command(gateway: ScriptedGateway) -> tuple[ServerConnection, dict]:
    websocket, commands = await within(gateway.connections.get())
    command = await within(commands.get())
    assert command["cmd"] == "subscribe", command
    return websocket, command


def _frame(**fields: Any) -> str:
    return orjson.dumps(fields).decode()


async def _opened(
    scripted: ScriptedGateway, client: EventsClient, **ack: Any
) -> tuple[ServerConnection, asyncio.Queue[dict]]:
    """Connect ``client`` with one subscription, ``changes.project.1.*``, acknowledged with
    ``ack``'s fields; the gateway's side of the connection and the commands it gets."""
    subscribed = asyncio.ensure_future(client.subscribe("changes.project.1.*"))
    connected = asyncio.ensure_future(client.connect())  # open once it is acknowledged
    websocket, commands = await within(scripted.connections.get())
    command = await within(commands.get())
    assert command["cmd"] == "subscribe", command
    await websocket.send(_frame(cmd="ack", id=command["id"], **ack))
    await within(asyncio.gather(subscribed, connected))
    return websocket, commands


async def test_a_connection_lost_during_a_replay_resumes_from_the_last_event_replayed(
    scripted: ScriptedGateway, clients
) -> None:
    client = clients(await scripted.start())
    resumes = Resumes(client)
    websocket, _ = await _opened(scripted, client, position=3, epoch="e1")
    await websocket.close()
    websocket, command = await _subscribe_command(scripted)
    assert command["since"] == {"position": 3, "epoch": "e1"}
    resumed = {"recovered": True, "position": 9, "epoch": "e1"}
    await websocket.send(_frame(cmd="ack", id=command["id"], **resumed))
    await websocket.send(_frame(routing_key=US_KEY, data=change(5), position=5, epoch="e1"))
    assert await resumes.next() == Resumed("changes.project.1.*", True, None, Mark(3, "e1"))
    await websocket.close()
    _, command = await _subscribe_command(scripted)
    assert command["since"] == {"position": 5, "epoch": "e1"}


async def test_a_new_history_met_while_connected_is_reported_not_recovered(
    scripted: ScriptedGateway, clients
) -> None:
    # The broker's history made again (a stream deleted and made again) while connected:
    # events may have been lost between the two, and the client is told as on a resume.
    client = clients(await scripted.start())
    resumes = Resumes(client)
    websocket, commands = await _opened(scripted, client, position=3, epoch="e1")
    tasks = asyncio.ensure_future(client.subscribe("changes.project.1.tasks"))
    command = await within(commands.get())
    await websocket.send(_frame(cmd="ack", id=command["id"], position=3, epoch="e1"))
    await within(tasks)
    await websocket.send(_frame(routing_key=US_KEY, data=change(1), position=0, epoch="e2"))
    since = Mark(3, "e1")
    assert await resumes.next() == Resumed("changes.project.1.*", False, "epoch", since)
    assert client.positions["changes.project.1.*"] == Mark(0, "e2")
    # The quiet one learns it from the next pong.
    pinged = asyncio.ensure_future(client.ping())
    ping = await within(commands.get())
    assert ping["cmd"] == "ping"
    await websocket.send(_frame(cmd="pong", id=ping["id"], position=0, epoch="e2"))
    await within(pinged)
    assert await resumes.next() == Resumed("changes.project.1.tasks", False, "epoch", since)
    assert client.positions["changes.project.1.tasks"] == Mark(0, "e2")
    assert resumes.queue.empty()


async def test_an_older_gateway_is_subscribed_plainly_and_reported_not_recovered(
    scripted: ScriptedGateway, clients
) -> None:
    client = clients(await scripted.start())
    resumes = Resumes(client)
    # One that numbers nothing: nothing to resume from.
    websocket, _ = await _opened(scripted, client)
    await websocket.send(_frame(routing_key=US_KEY, data=change(1)))
    await websocket.close()
    websocket, command = await _subscribe_command(scripted)
    assert "since" not in command
    await websocket.send(_frame(cmd="ack", id=command["id"], position=3, epoch="e1"))
    assert await resumes.next() == Resumed("changes.project.1.*", False, "no position", None)
    # One that ignores since: it says nothing of what was missed.
    await websocket.close()
    websocket, command = await _subscribe_command(scripted)
    assert command["since"] == {"position": 3, "epoch": "e1"}
    await websocket.send(_frame(cmd="ack", id=command["id"]))
    assert await resumes.next() == Resumed(
        "changes.project.1.*", False, "unsupported", Mark(3, "e1")
    )
