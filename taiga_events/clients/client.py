"""An asyncio client for the taiga-events gateway (the seed's "Client Implementation Guide").

One session id per client, for the ``x-session-id`` header of the app's API requests;
``auth`` and subscriptions, sent again after every reconnection; an application-level ping
with a pong timeout, which also catches connections that died without a close; reconnection
with exponential backoff and full jitter; each subscription resumed where it stood after a
reconnection, with the outcome reported (``on_resume``); the app's own events filtered out
unless a subscription asked for them; events as typed objects, through callbacks or an async
iterator; connection-state changes for whoever shows them::

    async with EventsClient(url, token=token) as client:
        await client.subscribe("changes.project.5.*")
        async for event in client:
            print(event.routing_key, event.data)

The pure parts (frames, typed events, backoff) come first and do no I/O; then the client;
then two helpers for the backend's API, for apps and the command-line tools.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random as random_module
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidURI, WebSocketException

from ..routing import matches, normalize_pattern
from .claims import RETRY_SECONDS, Claims, ClaimsSource, project_ids
from .resume import Mark, Resumed, mark_of, outcome

logger = logging.getLogger(__name__)

DEFAULT_URL = "ws://localhost:8888/events"
SESSION_HEADER = "x-session-id"

# Frames -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Event:
    """An event as the gateway delivers it; ``frame`` keeps every field, unknown ones too.

    ``position`` is the broker's number for it, the same on every gateway, in the history
    named by ``epoch``; both None from a broker that does not number its events.
    """

    routing_key: str
    session_id: str | None
    data: dict[str, Any]
    position: int | None
    epoch: str | None
    frame: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ChangeEvent(Event):
    """``changes.project.{project_id}.{app}.{model}``: an object created, changed or deleted."""

    project_id: int
    type: str | None  # "create", "change" or "delete"
    matches: str | None  # "{app_label}.{model_name}"
    pks: tuple[int, ...]  # one id, or every id of a bulk change


@dataclass(frozen=True, slots=True)
class WebNotification(Event):
    """``web_notifications.{user_id}``: assigned, mentioned, added as watcher or member…"""

    user_id: int


@dataclass(frozen=True, slots=True)
class LiveNotification(Event):
    """``live_notifications.{user_id}``: something to show as a browser notification."""

    user_id: int
    title: str
    body: str
    url: str


@dataclass(frozen=True, slots=True)
class SystemNotification(Event):
    """``notifications``: a message to everyone, such as a maintenance notice."""

    title: str
    desc: str


@dataclass(frozen=True, slots=True)
class Reply:
    """The gateway's answer to a command sent with an id, or an error it sends unprompted
    about one subscription (``routing_key``), such as ``subscription_revoked``.

    The ``ack`` of a ``subscribe``, and a ``pong``, also say where the history stands
    (``mark``, None from a gateway that does not say); the ``ack`` of one sent with
    ``since``, whether what was missed follows (``recovered``, or why not: ``reason``).
    """

    kind: Literal["ack", "pong", "error"]
    id: Any
    code: str | None = None
    message: str = ""
    routing_key: str | None = None
    mark: Mark | None = None
    recovered: bool | None = None
    reason: str | None = None


_CHANGE = re.compile(r"^changes\.project\.(\d+)\.")
_USER_FAMILY = re.compile(r"^(web_notifications|live_notifications)\.(\d+)$")


def parse_frame(text: str | bytes) -> Event | Reply | None:
    """Parse one frame from the gateway; None for anything this client does not know."""
    try:
        frame = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(frame, dict):
        return None
    cmd = frame.get("cmd")
    if cmd == "pong":
        return Reply(cmd, frame.get("id"), mark=mark_of(frame))
    if cmd == "ack":
        recovered, reason = frame.get("recovered"), frame.get("reason")
        return Reply(
            cmd,
            frame.get("id"),
            mark=mark_of(frame),
            recovered=recovered if isinstance(recovered, bool) else None,
            reason=reason if isinstance(reason, str) else None,
        )
    if cmd == "error":
        routing_key = frame.get("routing_key")
        return Reply(
            "error",
            frame.get("id"),
            str(frame.get("code")),
            str(frame.get("message", "")),
            routing_key if isinstance(routing_key, str) else None,
        )
    if cmd is None and isinstance(frame.get("routing_key"), str):
        return parse_event(frame)
    return None


def parse_event(frame: dict[str, Any]) -> Event:
    """The typed event for a frame's routing key, tolerant of missing or extra fields."""
    key = frame["routing_key"]
    session_id = frame.get("session_id")
    data = frame.get("data")
    data = data if isinstance(data, dict) else {}
    mark = mark_of(frame)
    common = {
        "routing_key": key,
        "session_id": session_id if isinstance(session_id, str) else None,
        "data": data,
        "position": mark.position if mark else None,
        "epoch": mark.epoch if mark else None,
        "frame": frame,
    }
    if change := _CHANGE.match(key):
        pk = data.get("pk")
        pks = pk if isinstance(pk, list) else [pk]
        return ChangeEvent(
            **common,
            project_id=int(change.group(1)),
            type=_text_or_none(data.get("type")),
            matches=_text_or_none(data.get("matches")),
            pks=tuple(p for p in pks if isinstance(p, int) and not isinstance(p, bool)),
        )
    if user := _USER_FAMILY.match(key):
        user_id = int(user.group(2))
        if user.group(1) == "web_notifications":
            return WebNotification(**common, user_id=user_id)
        return LiveNotification(
            **common,
            user_id=user_id,
            title=str(data.get("title", "")),
            body=str(data.get("body", "")),
            url=str(data.get("url", "")),
        )
    if key == "notifications":
        return SystemNotification(
            **common, title=str(data.get("title", "")), desc=str(data.get("desc", ""))
        )
    return Event(**common)


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def encode_command(cmd: str, command_id: int | str | None = None, **fields: Any) -> str:
    """One command frame; an id asks the gateway for an ``ack`` or ``error`` reply."""
    command = {"cmd": cmd, **fields}
    if command_id is not None:
        command["id"] = command_id
    return orjson.dumps(command).decode()


def new_session_id() -> str:
    return str(uuid.uuid4())


# Backoff ----------------------------------------------------------------------------------


def backoff_ceiling(attempt: int, base: float, cap: float) -> float:
    """The largest delay before reconnection attempt ``attempt`` (0-based)."""
    if attempt >= 64:  # 2**attempt would only be capped, after a float overflow
        return cap
    return min(cap, base * 2**attempt)


def backoff_delay(
    attempt: int, base: float, cap: float, random: Callable[[], float] = random_module.random
) -> float:
    """Full jitter: uniform in [0, ceiling), so that clients cut off together spread out."""
    return random() * backoff_ceiling(attempt, base, cap)


# The client -------------------------------------------------------------------------------


class State(StrEnum):
    """``idle`` → ``connecting`` → ``open`` ⇄ ``reconnecting``; ``closed`` is final."""

    IDLE = "idle"
    CONNECTING = "connecting"
    OPEN = "open"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class StateChange:
    """A state change, also emitted for each scheduled reconnection attempt.

    For ``reconnecting``, ``delay`` (seconds) was drawn from
    ``[0, min(backoff_cap, backoff_base * 2**attempt))``.
    """

    state: State
    previous: State
    attempt: int | None = None
    delay: float | None = None
    error: BaseException | None = None


class EventsError(Exception):
    """An ``error`` frame of the gateway (its stable ``code``; ``routing_key`` names the
    subscription an unprompted one is about), or a local failure: ``connection_lost``,
    ``pong_timeout``, ``closed``, ``not_connected``, ``not_subscribed``, ``unsubscribed``,
    ``token_unavailable``."""

    def __init__(self, code: str, message: str, routing_key: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.routing_key = routing_key


class _Refused(Exception):
    """``auth`` was refused: reconnecting with the same token cannot help."""


TokenSource = str | Callable[[], str | Awaitable[str]] | None
Callback = Callable[[Any], object]


@dataclass(eq=False)
class _Pending:
    """A command waiting for its reply; ``on_ack`` runs as the ack arrives, before any
    later frame."""

    cmd: str
    reply: asyncio.Future[None]
    on_ack: Callable[[Reply], None] | None = None


@dataclass(eq=False)
class _Subscription:
    pattern: str
    normalized: str
    self_notification: bool
    waiters: list[asyncio.Future[None]] = field(default_factory=list)
    mark: Mark | None = None  # where it stands in the gateway's history
    # Sending it again is a resume: it was acknowledged before, or given a ``since``.
    resuming: bool = False

    def advance(self, mark: Mark) -> Mark | None:
        """Stand at ``mark`` if it is further on; returns the old mark if it was of another
        history (the broker's was made again: events may have been lost between)."""
        since = self.mark
        if mark.is_newer_than(since):
            self.mark = mark
        return since if since is not None and since.epoch != mark.epoch else None


@dataclass(eq=False)
class _Connection:
    websocket: ClientConnection
    lost: asyncio.Future[BaseException]
    pending: dict[int, _Pending] = field(default_factory=dict)
    ready: bool = False  # authenticated (or anonymous): subscriptions may be sent
    # Acknowledged on this connection: its events move their marks.
    current: set[_Subscription] = field(default_factory=set)
    # Resumed subscriptions and the mark their ack reported, which they reach once what the
    # gateway replays for them has arrived: by the next reply, sent after it.
    replaying: list[tuple[_Subscription, Mark]] = field(default_factory=list)

    @property
    def alive(self) -> bool:
        return not self.lost.done()


@dataclass(eq=False)
class _Handler:
    patterns: tuple[str, ...]  # normalized
    callback: Callback

    def wants(self, routing_key: str) -> bool:
        return any(matches(pattern, routing_key) for pattern in self.patterns)


_END = object()


class EventsClient:
    """A client of the gateway; one per app instance, since it owns the session id.

    ``token`` is the backend's access token, or a function (sync or async) asked for a
    fresh one at every (re)connection; without one the connection is anonymous and may
    follow public projects only. ``permissions``, a function (sync or async) of project ids,
    fetches permission claims for them (``GET /api/v1/events/permissions``), sent with
    ``auth`` so that the gateway need not ask the backend (``claims``). Durations are in
    seconds.
    """

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        token: TokenSource = None,
        session_id: str | None = None,
        ping_interval: float = 30.0,
        pong_timeout: float = 10.0,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        random: Callable[[], float] = random_module.random,
        open_timeout: float = 10.0,
        permissions: ClaimsSource | None = None,
    ) -> None:
        if not 0 < backoff_base <= backoff_cap:
            raise ValueError("backoff needs 0 < backoff_base <= backoff_cap")
        self.url = url
        self.session_id = session_id or new_session_id()
        self.ping_interval = ping_interval
        self.pong_timeout = pong_timeout
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.open_timeout = open_timeout
        self._token = token
        self._claims = Claims(permissions) if permissions is not None else None
        self._random = random
        self._state = State.IDLE
        self._attempt = 0
        self._next_id = 0
        self._conn: _Connection | None = None
        self._runner: asyncio.Task[None] | None = None
        self._subscriptions: dict[str, _Subscription] = {}
        self._handlers: list[_Handler] = []
        self._state_listeners: list[Callback] = []
        self._frame_listeners: list[Callback] = []
        self._error_listeners: list[Callback] = []
        self._resume_listeners: list[Callback] = []
        self._open_waiters: list[asyncio.Future[None]] = []
        self._streams: set[EventStream] = set()
        self._close_reason: object = _END
        self._tasks: set[asyncio.Task[object]] = set()

    # Public API ---------------------------------------------------------------------------

    @property
    def state(self) -> State:
        return self._state

    def headers(self) -> dict[str, str]:
        """Headers for every API request, so this instance's own events can be recognized."""
        return {SESSION_HEADER: self.session_id}

    @property
    def subscriptions(self) -> tuple[str, ...]:
        """The patterns followed: given to ``subscribe`` and neither refused nor revoked."""
        return tuple(self._subscriptions)

    @property
    def positions(self) -> dict[str, Mark]:
        """Where each subscription stands in the gateway's history, by pattern: what it
        resumes from after a reconnection. Those whose position is not known are left out."""
        return {p: s.mark for p, s in self._subscriptions.items() if s.mark is not None}

    async def connect(self) -> None:
        """Connect (and keep reconnecting until ``close()``); return once open.

        Open means authenticated and every subscription answered. Raises EventsError if
        ``auth`` is refused; an unreachable gateway is retried, not raised (see on_state).
        """
        if self._state is State.CLOSED:
            raise _closed()
        if self._state is State.OPEN:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._open_waiters.append(waiter)
        if self._state is State.IDLE:
            self._set_state(State.CONNECTING)
            self._runner = asyncio.create_task(self._run())
        await waiter

    async def subscribe(
        self, pattern: str, *, self_notification: bool = False, since: Mark | None = None
    ) -> None:
        """Follow a pattern, now and after every reconnection (resumed where it stood, see
        ``on_resume``); return on the gateway's ack.

        Raises EventsError with the gateway's code (and forgets the pattern) on an error
        reply. ``self_notification=True`` delivers this instance's own changes too.
        ``since`` (a new pattern only): resume from there, e.g. a position kept from
        ``positions`` earlier; the outcome is reported to ``on_resume``.
        """
        if self._state is State.CLOSED:
            raise _closed()
        subscription = self._subscriptions.get(pattern)
        if subscription is None:
            subscription = _Subscription(
                pattern,
                normalize_pattern(pattern),
                self_notification,
                mark=since,
                resuming=bool(since),
            )
            self._subscriptions[pattern] = subscription
        subscription.self_notification = self_notification
        waiter = asyncio.get_running_loop().create_future()
        subscription.waiters.append(waiter)
        conn = self._conn
        if conn is not None and conn.ready:
            await self._send_subscribe(conn, pattern, subscription)
        await waiter

    async def unsubscribe(self, pattern: str) -> None:
        """Stop following a pattern given to ``subscribe``."""
        subscription = self._subscriptions.get(pattern)
        if subscription is None:
            raise EventsError("not_subscribed", f"not subscribed to {pattern}")
        self._forget(pattern, subscription)
        _settle(subscription.waiters, EventsError("unsubscribed", f"unsubscribed {pattern}"))
        conn = self._conn
        if conn is not None and conn.ready:
            try:
                await self._request(conn, "unsubscribe", routing_key=pattern)
            except EventsError:
                # A lost connection forgot it anyway, and it will not be sent again.
                if conn.alive:
                    raise

    async def authenticate(self, token: TokenSource = None) -> None:
        """Authenticate again on the open connection (e.g. with a fresh token before the
        current one expires); the subscriptions stay, and later reconnections use it.

        Without ``token`` the current one is sent again (a function is asked again). Raises
        EventsError ``auth_failed`` if refused, leaving the connection and token as they were.
        """
        previous, self._token = self._token, token or self._token
        conn = self._conn
        if self._state is not State.OPEN or conn is None:
            return
        try:
            await self._request(conn, "auth", data=await self._auth_data())
        except EventsError:
            if conn.alive:  # refused: keep what works
                self._token = previous
            raise

    async def ping(self) -> None:
        """Ping now; without a pong within ``pong_timeout`` the connection is replaced."""
        conn = self._conn
        if self._state is not State.OPEN or conn is None:
            raise EventsError("not_connected", f"the client is {self._state}")
        await self._request(conn, "ping", timeout=self.pong_timeout)

    def on(self, pattern: str, callback: Callback) -> Callable[[], None]:
        """Call ``callback(event)`` for each event matching ``pattern``; returns the remover.

        A coroutine function's calls run as tasks. Own events are skipped unless a matching
        subscription set ``self_notification``.
        """
        return self._add_handler((pattern,), callback)

    def on_state(self, callback: Callback) -> Callable[[], None]:
        """Call ``callback(StateChange)`` on every state change; returns the remover."""
        return _add(self._state_listeners, callback)

    def on_frame(self, callback: Callback) -> Callable[[], None]:
        """Call ``callback(Event | Reply | None)`` for every frame received, before filtering."""
        return _add(self._frame_listeners, callback)

    def on_error(self, callback: Callback) -> Callable[[], None]:
        """Call ``callback(EventsError)`` for errors the gateway sends unprompted: about one
        subscription (``routing_key``), ``subscription_revoked`` (the user may no longer see
        it; the client drops it) or ``subscription_suspended`` (paused until the gateway can
        check permissions again); or ``invalid_permissions`` (claims refused: the gateway asks
        the backend instead). Returns the remover."""
        return _add(self._error_listeners, callback)

    def on_resume(self, callback: Callback) -> Callable[[], None]:
        """Call ``callback(Resumed)`` for each subscription sent again after a reconnection
        (or given ``since``), as its ack arrives, before what it replays. Not ``recovered``:
        fetch again what depends on that subscription. Also called, not ``recovered``, with
        ``epoch``, when a connected subscription meets a new history (the broker's was made
        again: events may have been lost between the two). Returns the remover."""
        return _add(self._resume_listeners, callback)

    def events(self, *patterns: str) -> EventStream:
        """The events matching any of ``patterns`` (all by default), from now on.

        The stream ends when the client closes, and raises the reason if that was a refused
        ``auth``. Close it when done with it, or it keeps collecting events.
        """
        return EventStream(self, patterns or ("#",))

    def __aiter__(self) -> EventStream:
        return self.events()

    async def close(self) -> None:
        """Close for good: a clean close frame, no more reconnections."""
        self._shutdown(None)
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        for task in list(self._tasks):
            task.cancel()

    async def __aenter__(self) -> EventsClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # Connection life cycle ----------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            error: BaseException
            try:
                websocket = await connect(
                    self.url, ping_interval=None, open_timeout=self.open_timeout
                )
            except InvalidURI as exc:
                self._shutdown(exc)  # a malformed URL will not get better
                return
            except (OSError, TimeoutError, WebSocketException) as exc:
                error = exc
            else:
                try:
                    error = await self._serve(websocket)
                except _Refused:
                    return
                except EventsError as exc:  # lost during the handshake
                    error = exc
            if self._state is State.CLOSED:
                return
            attempt = self._attempt
            self._attempt += 1
            delay = backoff_delay(attempt, self.backoff_base, self.backoff_cap, self._random)
            self._set_state(State.RECONNECTING, attempt=attempt, delay=delay, error=error)
            await asyncio.sleep(delay)

    async def _serve(self, websocket: ClientConnection) -> BaseException:
        """Handshake, then serve the connection; returns why it was lost."""
        conn = _Connection(websocket, asyncio.get_running_loop().create_future())
        self._conn = conn
        reader = asyncio.create_task(self._read(conn))
        heartbeat: asyncio.Task[None] | None = None
        claims: asyncio.Task[None] | None = None
        try:
            await self._handshake(conn)
            self._attempt = 0
            self._set_state(State.OPEN)
            _settle(self._open_waiters, None)
            heartbeat = asyncio.create_task(self._heartbeat(conn))
            claims = asyncio.create_task(self._refresh_claims(conn))
            return await conn.lost
        finally:
            self._lose(conn, _lost("the connection was dropped"))
            reader.cancel()
            for task in (heartbeat, claims):
                if task is not None:
                    task.cancel()
            if self._state is State.CLOSED:
                await websocket.close()
            else:
                websocket.transport.abort()  # it may be half-open: nothing to wait for

    async def _auth_data(self, *, fresh_claims: bool = False) -> dict[str, Any] | None:
        """The ``auth`` command's data, or None for an anonymous connection; with
        ``permissions``, claims for the projects followed, if they can be had."""
        try:
            token = self._token() if callable(self._token) else self._token
            if inspect.isawaitable(token):
                token = await token
        except Exception as exc:  # a token refresh that failed may work next time
            raise EventsError("token_unavailable", f"the token source failed: {exc!r}") from exc
        if not token:
            return None
        data = {"token": token, "sessionId": self.session_id}
        if self._claims is not None:
            ids = project_ids(self._subscriptions)
            if claims := await self._claims.get(ids, fresh=fresh_claims):
                data["permissions"] = claims
        return data

    async def _refresh_claims(self, conn: _Connection) -> None:
        """Send fresh claims on the open connection before the ones it has run out."""
        if self._claims is None:
            return
        delay = self._claims.refresh_in()
        while conn.alive:
            await asyncio.sleep(delay)
            try:
                data = await self._auth_data(fresh_claims=True)
                if data is None:
                    return  # anonymous: claims go with auth only
                if "permissions" in data:
                    await self._request(conn, "auth", data=data)
                delay = self._claims.refresh_in()
            except EventsError:
                # A refused auth leaves the connection as it was; a token source that
                # failed may work later.
                delay = RETRY_SECONDS

    async def _handshake(self, conn: _Connection) -> None:
        data = await self._auth_data()
        if data is not None:
            try:
                await self._request(conn, "auth", data=data)
            except EventsError as exc:
                if conn.alive:  # the gateway answered: the token will not do
                    self._shutdown(exc)
                    raise _Refused from exc
                raise
        conn.ready = True
        await asyncio.gather(
            *(self._send_subscribe(conn, p, s) for p, s in list(self._subscriptions.items()))
        )
        if not conn.alive:
            raise conn.lost.result()

    async def _send_subscribe(
        self, conn: _Connection, pattern: str, subscription: _Subscription
    ) -> None:
        """Send one subscription (with ``since`` where it resumes) and settle whoever waits
        for it; never raises."""
        # Sent again on the connection that has it, it only changes its options.
        resuming = subscription.resuming and subscription not in conn.current
        fields: dict[str, Any] = {
            "routing_key": pattern,
            "options": {"selfNotification": subscription.self_notification},
        }
        if resuming and subscription.mark is not None:
            fields["since"] = subscription.mark.to_since()

        def on_ack(ack: Reply) -> None:
            self._subscribed(conn, pattern, subscription, resuming, ack)

        try:
            await self._request(conn, "subscribe", on_ack=on_ack, **fields)
        except EventsError as exc:
            if not conn.alive:
                return  # sent again, and answered, after the reconnection
            if self._subscriptions.get(pattern) is subscription:
                self._forget(pattern, subscription)
            _settle(subscription.waiters, exc)
            return
        _settle(subscription.waiters, None)

    def _subscribed(
        self,
        conn: _Connection,
        pattern: str,
        subscription: _Subscription,
        resuming: bool,
        ack: Reply,
    ) -> None:
        """A subscription's ack, as it arrives (before any event it replays): from here on
        the connection's events move its mark, and a resume's outcome is reported."""
        if self._subscriptions.get(pattern) is not subscription:
            return  # unsubscribed meanwhile
        since = subscription.mark
        conn.current.add(subscription)
        subscription.resuming = True
        if not resuming:
            # Current from the ack's mark: the events before it were delivered already.
            if ack.mark is not None:
                subscription.advance(ack.mark)
            return
        recovered, reason = outcome(since, ack.recovered, ack.reason)
        if not recovered:
            subscription.mark = ack.mark  # it starts again from there
        elif ack.mark is not None:
            conn.replaying.append((subscription, ack.mark))
        self._report_resume(Resumed(pattern, recovered, reason, since))

    def _report_resume(self, resumed: Resumed) -> None:
        for listener in list(self._resume_listeners):
            self._call(listener, resumed)

    def _forget(self, pattern: str, subscription: _Subscription) -> None:
        del self._subscriptions[pattern]
        if self._conn is not None:
            self._conn.current.discard(subscription)

    async def _heartbeat(self, conn: _Connection) -> None:
        with contextlib.suppress(EventsError):
            while conn.alive:
                await asyncio.sleep(self.ping_interval)
                await self._request(conn, "ping", timeout=self.pong_timeout)

    async def _request(
        self,
        conn: _Connection,
        cmd: str,
        *,
        timeout: float | None = None,
        on_ack: Callable[[Reply], None] | None = None,
        **fields: Any,
    ) -> None:
        """Send a command with an id and wait for its reply; EventsError on an error reply."""
        if not conn.alive:
            raise conn.lost.result()
        self._next_id += 1
        command_id = self._next_id
        reply = asyncio.get_running_loop().create_future()
        conn.pending[command_id] = _Pending(cmd, reply, on_ack)
        try:
            try:
                await conn.websocket.send(encode_command(cmd, command_id, **fields))
            except ConnectionClosed:
                self._lose(conn, _lost("the connection closed"))
            async with asyncio.timeout(timeout):
                await reply
        except TimeoutError:
            error = EventsError("pong_timeout", f"no reply within {timeout} s")
            self._lose(conn, error)
            raise error from None
        finally:
            conn.pending.pop(command_id, None)

    async def _read(self, conn: _Connection) -> None:
        try:
            async for message in conn.websocket:
                self._receive(conn, message)
        except ConnectionClosed:
            pass
        self._lose(conn, _lost(f"closed with code {conn.websocket.close_code}"))

    def _receive(self, conn: _Connection, message: str | bytes) -> None:
        frame = parse_frame(message)
        for listener in self._frame_listeners:
            self._call(listener, frame)
        if isinstance(frame, Event):
            self._move_marks(conn, frame)
            self._dispatch(frame)
        elif isinstance(frame, Reply) and frame.id is None and frame.kind == "error":
            self._notice(EventsError(frame.code or "error", frame.message, frame.routing_key))
        elif isinstance(frame, Reply):
            command_id = frame.id
            if command_id is None and frame.kind == "pong":
                # Old gateways answer a ping with a bare pong: it answers the oldest ping.
                pings = (i for i, entry in conn.pending.items() if entry.cmd == "ping")
                command_id = next(pings, None)
            entry = conn.pending.get(command_id)
            if entry is None or entry.reply.done():
                return
            # A reply comes after whatever the gateway sent for earlier commands, replays too.
            for subscription, head in conn.replaying:
                subscription.advance(head)
            conn.replaying.clear()
            if frame.kind == "pong" and frame.mark is not None:
                self._catch_up(conn, frame.mark)
            if frame.kind == "error":
                entry.reply.set_exception(EventsError(frame.code or "error", frame.message))
                return
            if frame.kind == "ack" and entry.on_ack is not None:
                entry.on_ack(frame)
            entry.reply.set_result(None)

    def _move_marks(self, conn: _Connection, event: Event) -> None:
        """An event received: the subscriptions of the connection it matches stand there."""
        if event.position is None or event.epoch is None:
            return
        mark = Mark(event.position, event.epoch)
        for subscription in list(conn.current):
            if matches(subscription.normalized, event.routing_key):
                self._advance(subscription, mark)

    def _advance(self, subscription: _Subscription, mark: Mark) -> None:
        """Move a subscription of the connection; one that meets a new history while
        connected is reported not recovered (``epoch``), so what depends on it is fetched
        again."""
        since = subscription.advance(mark)
        if since is not None:
            self._report_resume(Resumed(subscription.pattern, False, "epoch", since))

    def _catch_up(self, conn: _Connection, head: Mark) -> None:
        """A pong: every event up to ``head`` came before it, so the connection's
        subscriptions stand there, the quiet ones too (whose last event may be too old to
        resume from)."""
        for subscription in list(conn.current):
            self._advance(subscription, head)

    def _notice(self, error: EventsError) -> None:
        """An unprompted error about one subscription; a revoked one is not sent again."""
        if error.code == "subscription_revoked":
            revoked = normalize_pattern(error.routing_key or "")
            for pattern, subscription in list(self._subscriptions.items()):
                if subscription.normalized == revoked:
                    self._forget(pattern, subscription)
                    _settle(subscription.waiters, error)
        for listener in list(self._error_listeners):
            self._call(listener, error)

    def _dispatch(self, event: Event) -> None:
        if event.session_id is not None and event.session_id == self.session_id:
            wanted = any(
                s.self_notification and matches(s.normalized, event.routing_key)
                for s in self._subscriptions.values()
            )
            if not wanted:
                return
        for handler in list(self._handlers):
            if handler.wants(event.routing_key):
                self._call(handler.callback, event)

    def _lose(self, conn: _Connection, error: BaseException) -> None:
        """Mark a connection lost (idempotent): its pending commands fail with ``error``."""
        if not conn.alive:
            return
        conn.lost.set_result(error)
        for entry in conn.pending.values():
            if not entry.reply.done():
                entry.reply.set_exception(error)
        if self._conn is conn:
            self._conn = None

    def _shutdown(self, error: BaseException | None) -> None:
        if self._state is State.CLOSED:
            return
        self._set_state(State.CLOSED, error=error)
        reason = error or _closed()
        if self._conn is not None:
            self._lose(self._conn, reason)
        _settle(self._open_waiters, reason)
        for subscription in self._subscriptions.values():
            _settle(subscription.waiters, reason)
        self._close_reason = error or _END
        for stream in list(self._streams):
            stream.end(self._close_reason)

    def _set_state(self, state: State, **details: Any) -> None:
        change = StateChange(state, self._state, **details)
        self._state = state
        for listener in list(self._state_listeners):
            self._call(listener, change)

    def _add_handler(self, patterns: Iterable[str], callback: Callback) -> Callable[[], None]:
        handler = _Handler(tuple(normalize_pattern(p) for p in patterns), callback)
        return _add(self._handlers, handler)

    def _call(self, callback: Callback, argument: object) -> None:
        """Call a listener; its failure is logged, never allowed to break the connection."""
        try:
            result = callback(argument)
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        except Exception:
            logger.exception("taiga-events client: a listener failed")


class EventStream:
    """An async iterator of a client's events, in arrival order, from its creation on."""

    def __init__(self, client: EventsClient, patterns: Iterable[str]) -> None:
        self._client = client
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._remove = client._add_handler(patterns, self._queue.put_nowait)
        client._streams.add(self)
        if client.state is State.CLOSED:
            self.end(client._close_reason)

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> Event:
        item = await self._queue.get()
        if item is _END or isinstance(item, BaseException):
            self._queue.put_nowait(item)  # and so for every later call
            if item is _END:
                raise StopAsyncIteration
            raise item
        return item

    def end(self, reason: object) -> None:
        """Stop collecting; the iterator ends (or raises ``reason``) after what it holds."""
        self.close()
        self._queue.put_nowait(reason)

    def close(self) -> None:
        self._remove()
        self._client._streams.discard(self)


def _add(items: list, item: Any) -> Callable[[], None]:
    items.append(item)

    def remove() -> None:
        with contextlib.suppress(ValueError):
            items.remove(item)

    return remove


def _settle(waiters: list[asyncio.Future[None]], error: BaseException | None) -> None:
    for waiter in waiters:
        if not waiter.done():
            if error is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(error)
    waiters.clear()


def _closed() -> EventsError:
    return EventsError("closed", "the client is closed")


def _lost(message: str) -> EventsError:
    return EventsError("connection_lost", message)


# The backend's API (blocking: call from a thread in async code) ---------------------------


class ApiError(Exception):
    """The backend answered with an error status; ``detail`` is its explanation."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.detail = detail


def api_request(
    method: str,
    url: str,
    body: object = None,
    *,
    token: str | None = None,
    session_id: str | None = None,
    timeout: float = 10.0,
) -> Any:
    """One API call with the client's ``x-session-id``; returns the decoded JSON body.

    Raises ApiError for an error status and OSError when the backend cannot be reached.
    """
    request = urllib.request.Request(
        url, data=None if body is None else orjson.dumps(body), method=method
    )
    request.add_header("Content-Type", "application/json")
    request.add_header("Accept", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if session_id:
        request.add_header(SESSION_HEADER, session_id)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            raise ApiError(exc.code, _error_detail(exc.read())) from None
    return orjson.loads(raw) if raw else None


def _error_detail(raw: bytes) -> str:
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw.decode(errors="replace")[:200]
    if isinstance(body, dict):
        for key in ("detail", "reason"):
            if isinstance(body.get(key), str):
                return body[key]
    return orjson.dumps(body).decode()[:200]


def login(api_url: str, username: str, password: str) -> dict[str, Any]:
    """``POST {api_url}/auth``: the user, with the access token in ``auth_token``."""
    body = {"type": "normal", "username": username, "password": password}
    return api_request("POST", f"{api_url.rstrip('/')}/auth", body)
