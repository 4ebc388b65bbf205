"""The gateway's core: carries out client commands and fans broker events out.

It owns the hub (who receives what) and reacts to three kinds of input: a client's command,
a broker's message and a permission re-check coming due. Sockets, the broker link and the
backend's HTTP API live in thin adapters; the rules live in pure modules (``protocol``,
``authorization``, ``limits``, ``routing``).

Subscriptions are authorized when they are made, and indexed by the patterns the user may
actually receive, so a message is matched, encoded and framed once and queued for its
recipients with no per-recipient decision; the writer (``writer``) sends each connection
what was queued for it in one write per loop iteration. The permissions behind each live
subscription are asked of the backend again whenever the answer they rest on runs out,
a little earlier for some than for others, so that users authorized together are not all
asked again together. Permission claims that a client sends with ``auth`` (signed by the
backend) are answers given in advance: a reconnecting crowd is authorized without a
backend request each.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from random import random
from typing import Any

from . import protocol
from .authorization import (
    Forbidden,
    Scope,
    allowed_patterns,
    canonical,
    claimed_answers,
    classify,
)
from .brokers.base import Broker
from .client_state import ClientState, Subscription
from .history import Outcome, Past, Window
from .hub import Hub
from .limits import Limits, TokenBucket
from .metrics import Metrics
from .permissions import BackendUnavailable, PermissionCache, TokenRefused
from .protocol import CloseCode, ErrorCode, ProtocolError
from .recent import RecentIds
from .routing import InvalidPattern, matches, validate_pattern
from .tokens import InvalidToken, TokenVerifier
from .writer import FrameWriter, text_frame

logger = logging.getLogger(__name__)

# How soon a re-check the backend could not answer is tried again (at most).
RETRY_SECONDS = 5.0
# Re-checks come due up to this fraction of their delay early, at random.
RECHECK_JITTER = 0.1

Key = tuple[int | None, Scope]
DEFAULT_LIMITS = Limits()


class Gateway:
    """Every connection's state and the rules applied to it; one per gateway process."""

    def __init__(
        self,
        *,
        verifier: TokenVerifier,
        permissions: PermissionCache,
        limits: Limits = DEFAULT_LIMITS,
        enforced: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.verifier = verifier
        self.permissions = permissions
        self.limits = limits
        self.enforced = enforced
        self._clock = clock
        self.hub = Hub()
        self.delivered_ids = RecentIds()
        self.history = Window(limits.history_size)
        # Reads of older events under way, by the position they start after.
        self._backfills: dict[int, asyncio.Future[None]] = {}
        # Where events older than the window are read back from (set by the app).
        self.broker: Broker | None = None
        # WebSocket connection → its state.
        self.clients: dict[Any, ClientState] = {}
        self.metrics = Metrics()
        self.writer = FrameWriter(limits.send_buffer_bytes, self._too_slow, self._written)
        # When the messages queued since the last write reached the gateway.
        self._unwritten: list[float] = []
        self._closing: set[asyncio.Task] = set()
        # (user, scope) → the connections whose subscriptions depend on its permissions.
        self._watchers: dict[Key, set[ClientState]] = {}
        self._rechecks: dict[Key, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task] = set()

    # Broker side ------------------------------------------------------------------------

    def history_started(self, epoch: str, head: int | None) -> None:
        """The broker link is up on the history ``epoch``, whose newest position is ``head``."""
        self.history.start(epoch, head)

    def history_lost(self, first: int, after: int) -> None:
        """Events ``first`` to ``after - 1`` are gone from the broker before this gateway
        delivered them (its link was down longer than they are kept). No resume may be
        taken as complete across them, and the clients connected meanwhile missed them
        without knowing: they are closed (4001) so that they resume, learn that they cannot
        (``too_old``) and fetch again."""
        self.history.lose(after - 1)
        self.metrics.history_losses += 1
        logger.warning(
            "events %d to %d were lost to this gateway (its broker link was down for longer "
            "than the broker keeps them): closing its %d connections so that clients fetch "
            "again",
            first,
            after - 1,
            len(self.clients),
        )
        for client in list(self.clients.values()):
            self._close(client, CloseCode.EVENTS_LOST, "events were lost: resume")

    def dispatch(self, routing_key: str, envelope: dict[str, Any], received_at: float) -> None:
        """Send one broker message to every subscribed connection, framed once."""
        metrics = self.metrics
        metrics.events_received += 1
        event_id = envelope.get("event_id")
        if isinstance(event_id, str) and self.delivered_ids.seen(event_id):
            metrics.duplicates_dropped += 1
            return
        envelope.pop("routing_key", None)
        position = envelope.get("position")
        if position is not None and not self.history.append(
            envelope["epoch"], Past(position, routing_key, envelope)
        ):
            metrics.duplicates_dropped += 1
            return
        recipients = self.hub.recipients(routing_key, envelope.get("session_id"))
        if not recipients:
            return
        frame = text_frame(protocol.event_frame(routing_key, envelope))
        self.writer.send([client.websocket for client in recipients], frame)
        metrics.frames_sent += len(recipients)
        self._unwritten.append(received_at)

    def _written(self) -> None:
        """The writer has written what was queued: the latency of those messages is known."""
        now = time.perf_counter()
        latency = self.metrics.latency
        for received_at in self._unwritten:
            latency.observe(now - received_at)
        self._unwritten.clear()

    def send(self, client: ClientState, message: bytes) -> None:
        """Send one text message (a reply) to one connection, after what is queued for it."""
        self.writer.send((client.websocket,), text_frame(message))

    def _too_slow(self, websocket: Any) -> None:
        """The connection's unsent data passed the limit: forget it, close it with 4000."""
        client = self.clients.get(websocket)
        if client is None:
            return
        self.metrics.slow_client_closes += 1
        logger.warning(
            "closing a connection that does not keep up (more than %d bytes unsent)",
            self.limits.send_buffer_bytes,
            extra={"remote": remote_address(websocket), "user_id": client.user_id},
        )
        self._close(client, CloseCode.SLOW_CLIENT, "send buffer full: client too slow")

    def _close(self, client: ClientState, code: int, reason: str) -> None:
        """Forget the connection now, and close it with ``code`` in the background."""
        self.disconnect(client)
        task = asyncio.get_running_loop().create_task(client.websocket.close(code, reason))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    # Client side ------------------------------------------------------------------------

    def connect(self, websocket: Any) -> ClientState:
        limits = self.limits
        client = ClientState(
            websocket, TokenBucket(limits.command_rate, limits.command_burst, self._clock())
        )
        self.clients[websocket] = client
        return client

    def disconnect(self, client: ClientState) -> None:
        """Forget the connection; safe to call more than once."""
        client.closed = True
        client.subscriptions.clear()
        self._sync(client)
        self.clients.pop(client.websocket, None)

    async def handle(self, client: ClientState, frame: str | bytes) -> bytes | None:
        """Carry out one client frame; returns the reply frame, if any. Never raises."""
        within_rate = client.rate.allow(self._clock())
        command_id = None
        try:
            command = protocol.parse_command(frame, self.limits.max_frame_bytes)
            command_id = command.id
            if not within_rate:
                raise ProtocolError(
                    ErrorCode.RATE_LIMITED,
                    f"more than {self.limits.command_rate:g} commands per second: "
                    "this one was not carried out",
                    command_id,
                )
            match command:
                case protocol.Ping():
                    # Every event up to the head went out before this pong: a client's
                    # quiet subscriptions stand there too, however old their last event.
                    return protocol.pong(command_id, **self._head())
                case protocol.Auth():
                    self._authenticate(client, command)
                case protocol.Subscribe():
                    await self._subscribe(client, command)
                    return None  # acknowledged by _subscribe, before what it replays
                case protocol.Unsubscribe():
                    self._unsubscribe(client, command)
        except ProtocolError as exc:
            self.metrics.error_frames[exc.code] += 1
            return protocol.error(exc.code, exc.message, exc.command_id)
        except Exception:
            logger.exception("a command failed unexpectedly")
            self.metrics.error_frames[ErrorCode.INTERNAL] += 1
            return protocol.error(ErrorCode.INTERNAL, "the command failed", command_id)
        return protocol.ack(command_id) if command_id is not None else None

    def _authenticate(self, client: ClientState, command: protocol.Auth) -> None:
        try:
            identity = self.verifier.verify(command.token)
        except InvalidToken as exc:
            logger.info("auth refused: %s", exc)
            raise ProtocolError(ErrorCode.AUTH_FAILED, str(exc), command.id) from None
        if client.user_id != identity.user_id:
            if client.user_id is not None:
                # Its subscriptions were authorized for another user.
                client.subscriptions.clear()
            # Re-register what it keeps under the new identity; re-checks will use it.
            self._unwatch_all(client)
            client.user_id = identity.user_id
        client.token = command.token
        client.token_expires_at = identity.expires_at
        client.session_id = command.session_id
        self._sync(client)
        if command.permissions is not None and self.enforced:
            self._claim(client, command.permissions)

    def _claim(self, client: ClientState, token: str) -> None:
        """Keep the permissions the backend signed for the connection's user as answers
        (until they expire, at most the cache time) and apply them to the subscriptions that
        depend on them. Claims that cannot be used are reported; the backend is then asked,
        as without them."""
        try:
            claims = self.verifier.verify_permissions(token)
            if claims.user_id != client.user_id:
                raise InvalidToken("they were issued to another user")
        except InvalidToken as exc:
            logger.info("permission claims refused: %s", exc)
            self.metrics.permission_claims["refused"] += 1
            self.metrics.error_frames[ErrorCode.INVALID_PERMISSIONS] += 1
            message = f"permission claims refused ({exc}): permissions are asked of the backend"
            self.send(client, protocol.error(ErrorCode.INVALID_PERMISSIONS, message))
            return
        self.metrics.permission_claims["accepted"] += 1
        lifetime = claims.expires_at - time.time()
        for scope, permissions in claimed_answers(claims.projects, claims.superuser).items():
            if self.permissions.seed(claims.user_id, scope, permissions, lifetime):
                self._refresh((claims.user_id, scope), permissions)

    async def _subscribe(self, client: ClientState, command: protocol.Subscribe) -> None:
        """Authorize and index the subscription, acknowledge it (with where the history
        stands and, if the client said where it stopped, whether that was recovered) and
        send what the client missed before anything live."""
        limits = self.limits
        try:
            pattern = validate_pattern(
                command.routing_key,
                max_length=limits.max_routing_key_length,
                max_segments=limits.max_routing_key_segments,
            )
            grant = classify(pattern, client.user_id, enforced=self.enforced)
        except InvalidPattern as exc:
            raise ProtocolError(ErrorCode.INVALID_ARGUMENT, str(exc), command.id) from None
        except Forbidden as exc:
            raise self._denied(exc, command.id) from None
        if (
            grant.pattern not in client.subscriptions
            and len(client.subscriptions) >= limits.max_subscriptions
        ):
            raise ProtocolError(
                ErrorCode.TOO_MANY_SUBSCRIPTIONS,
                f"at most {limits.max_subscriptions} subscriptions per connection",
                command.id,
            )
        permissions = frozenset[str]()
        if grant.scope is not None:
            permissions = await self._permissions(client, grant.scope, command.id)
        try:
            patterns = allowed_patterns(grant, client.user_id, permissions)
        except Forbidden as exc:
            raise self._denied(exc, command.id) from None
        subscription = Subscription(grant, command.routing_key, command.self_notification, patterns)
        reply: dict[str, Any] = {}  # what the ack says besides its id
        missed: list[Past] = []
        unrecoverable = None if command.since is None else await self._missed(command.since)
        if client.closed:
            return
        # From here to the end nothing awaits: the replay ends where live delivery begins.
        history = self.history
        if command.since is not None:
            after = None if unrecoverable else history.after(command.since.position)
            if after is None:
                reply.update(recovered=False, reason=unrecoverable or Outcome.TOO_OLD)
            else:
                missed = self._to_replay(client, subscription, after)
                reply["recovered"] = True
        # Replayed or live, it has sent everything after the point it resumed from.
        resumed = command.since is not None and reply["recovered"]
        subscription.since = command.since.position if resumed else history.head
        client.subscriptions[grant.pattern] = subscription
        self._sync(client)
        if command.id is not None:
            self.send(client, protocol.ack(command.id, **reply, **self._head()))
        for past in missed:
            self.send(client, protocol.event_frame(past.routing_key, past.envelope))
        self.metrics.replayed += len(missed)

    def _head(self) -> dict[str, Any]:
        """Where the history stands (the newest position delivered), if it is known."""
        history = self.history
        if history.head is None:
            return {}
        return {"position": history.head, "epoch": history.epoch}

    async def _missed(self, since: protocol.Since) -> str | None:
        """Make sure the window holds every event after ``since``, reading older ones back
        from the broker if needed; returns why it cannot (an ``Outcome``), or None. The
        events themselves are taken from the window when the subscription is made."""
        history = self.history
        if history.epoch is None or history.head is None:
            return Outcome.UNKNOWN
        if since.epoch != history.epoch:
            return Outcome.EPOCH
        if since.position > history.head:
            return Outcome.FUTURE
        if history.head - since.position > self.limits.replay_limit:
            return Outcome.LIMIT
        if not history.reaches(since.position):
            await self._backfill(since.position)
            if history.epoch != since.epoch or not history.reaches(since.position):
                return Outcome.TOO_OLD
        return None

    async def _backfill(self, after: int) -> None:
        """Read the events from ``after`` to where the window begins back from the broker
        into the window. Resumes that need the same or less share one read: after a
        gateway restart every client comes back at once, from about the same place."""
        for started, reading in list(self._backfills.items()):
            if started <= after:
                await asyncio.shield(reading)
                return
        reading = asyncio.ensure_future(self._read_back(after))
        self._backfills[after] = reading
        try:
            await asyncio.shield(reading)
        finally:
            if self._backfills.get(after) is reading:
                del self._backfills[after]

    async def _read_back(self, after: int) -> None:
        history = self.history
        if self.broker is None:
            return
        epoch = history.epoch
        until = history.floor if history.floor is not None else history.head
        try:
            found = await self.broker.read_back(after, self.limits.replay_limit, until=until)
        except Exception as exc:
            logger.warning("could not read events back from the broker: %s", exc)
            return
        if found and history.epoch == epoch:
            history.prepend(after, found)

    def _to_replay(
        self, client: ClientState, subscription: Subscription, missed: list[Past]
    ) -> list[Past]:
        """What of ``missed`` the subscription delivers that the connection's subscriptions
        (the one it replaces included) have not delivered already."""
        others = list(client.subscriptions.values())
        return [
            past
            for past in missed
            if _delivers(subscription, client, past)
            and not any(
                other.since is not None
                and past.position > other.since
                and _delivers(other, client, past)
                for other in others
            )
        ]

    async def _permissions(
        self, client: ClientState, scope: Scope, command_id: Any
    ) -> frozenset[str]:
        try:
            return await self.permissions.get(client.user_id, scope, client.token)
        except BackendUnavailable as exc:
            logger.warning("permissions cannot be checked: %s", exc)
            self.metrics.denials[ErrorCode.BACKEND_UNAVAILABLE] += 1
            raise ProtocolError(
                ErrorCode.BACKEND_UNAVAILABLE,
                "permissions cannot be checked right now: try again later",
                command_id,
            ) from None
        except TokenRefused as exc:
            logger.info("subscription refused: %s", exc)
            self.metrics.denials[ErrorCode.AUTH_FAILED] += 1
            raise ProtocolError(ErrorCode.AUTH_FAILED, str(exc), command_id) from None

    def _denied(self, exc: Forbidden, command_id: Any) -> ProtocolError:
        code = ErrorCode.NOT_AUTHENTICATED if exc.needs_auth else ErrorCode.FORBIDDEN
        self.metrics.denials[code] += 1
        return ProtocolError(code, str(exc), command_id)

    def _unsubscribe(self, client: ClientState, command: protocol.Unsubscribe) -> None:
        pattern = canonical(command.routing_key, client.user_id)
        if client.subscriptions.pop(pattern, None) is None:
            raise ProtocolError(
                ErrorCode.NOT_SUBSCRIBED, f"not subscribed to {command.routing_key!r}", command.id
            )
        self._sync(client)

    # Index and re-checks ----------------------------------------------------------------

    def _sync(self, client: ClientState) -> None:
        """Bring the hub and the re-check registry in line with the client's subscriptions."""
        wanted: dict[str, bool] = {}
        scopes: set[Scope] = set()
        for subscription in client.subscriptions.values():
            if subscription.grant.scope is not None:
                scopes.add(subscription.grant.scope)
            for pattern in subscription.patterns:
                wanted[pattern] = wanted.get(pattern, False) or subscription.self_notification
        indexed = client.indexed
        for pattern in indexed.keys() - wanted.keys():
            self.hub.discard(client, pattern)
        for pattern, self_notification in wanted.items():
            if indexed.get(pattern) != self_notification:
                self.hub.add(client, pattern, self_notification)
        client.indexed = wanted
        for scope in client.scopes - scopes:
            self._unwatch(client, scope)
        for scope in scopes - client.scopes:
            self._watch(client, scope)
        client.scopes = scopes

    def _watch(self, client: ClientState, scope: Scope) -> None:
        key = (client.user_id, scope)
        self._watchers.setdefault(key, set()).add(client)
        if key not in self._rechecks:
            # When the answer the subscription was authorized with runs out.
            self._schedule(key, self.permissions.remaining(*key) or self.permissions.ttl)

    def _unwatch(self, client: ClientState, scope: Scope) -> None:
        key = (client.user_id, scope)
        watchers = self._watchers.get(key)
        if watchers is None:
            return
        watchers.discard(client)
        if not watchers:
            del self._watchers[key]
            recheck = self._rechecks.pop(key, None)
            if recheck is not None:
                recheck.cancel()

    def _unwatch_all(self, client: ClientState) -> None:
        for scope in client.scopes:
            self._unwatch(client, scope)
        client.scopes = set()

    def _schedule(self, key: Key, delay: float) -> None:
        loop = asyncio.get_running_loop()
        delay *= 1 - RECHECK_JITTER * random()
        self._rechecks[key] = loop.call_later(delay, self._recheck_due, key)

    def _recheck_due(self, key: Key) -> None:
        del self._rechecks[key]
        task = asyncio.get_running_loop().create_task(self._recheck(key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _recheck(self, key: Key) -> None:
        """Ask the backend again for everyone whose subscriptions depend on ``key``."""
        user_id, scope = key
        watchers = self._watchers.get(key)
        if not watchers:
            return
        # Any of the user's connections will do; the token that lives longest is the best bet.
        token = max(watchers, key=lambda client: client.token_expires_at).token
        try:
            permissions: frozenset[str] | None = await self.permissions.get(
                user_id, scope, token, fresh=True
            )
        except BackendUnavailable as exc:
            logger.warning("permissions cannot be re-checked: %s", exc)
            permissions = None
        except TokenRefused as exc:
            logger.info("permissions re-check: %s", exc)
            permissions = frozenset()
        for client in list(self._watchers.get(key, ())):
            self._apply(client, scope, permissions)
        if key in self._watchers and key not in self._rechecks:
            ttl = self.permissions.ttl
            self._schedule(key, ttl if permissions is not None else min(ttl, RETRY_SECONDS))

    def _refresh(self, key: Key, permissions: frozenset[str]) -> None:
        """A newer answer came in than the one a re-check is due for: apply it to whoever
        depends on it, and re-check when it runs out instead."""
        for client in list(self._watchers.get(key, ())):
            self._apply(client, key[1], permissions)
        if key in self._watchers:
            recheck = self._rechecks.pop(key, None)
            if recheck is not None:
                recheck.cancel()
            self._schedule(key, self.permissions.remaining(*key))

    def _apply(self, client: ClientState, scope: Scope, permissions: frozenset[str] | None) -> None:
        """Re-decide the client's subscriptions in ``scope``; None: the backend is away."""
        for pattern, subscription in list(client.subscriptions.items()):
            if subscription.grant.scope != scope:
                continue
            if permissions is None:
                if subscription.patterns:
                    subscription.patterns = ()
                    self._tell(
                        client,
                        ErrorCode.SUBSCRIPTION_SUSPENDED,
                        "permissions cannot be re-checked right now: delivery is paused "
                        "and resumes by itself once they can",
                        subscription,
                    )
                continue
            try:
                subscription.patterns = allowed_patterns(
                    subscription.grant, client.user_id, permissions
                )
            except Forbidden as exc:
                del client.subscriptions[pattern]
                self._tell(client, ErrorCode.SUBSCRIPTION_REVOKED, str(exc), subscription)
        self._sync(client)

    def _tell(
        self, client: ClientState, code: str, message: str, subscription: Subscription
    ) -> None:
        """An unprompted error frame about one subscription."""
        self.metrics.denials[code] += 1
        self.metrics.error_frames[code] += 1
        self.send(client, protocol.error(code, message, routing_key=subscription.requested))

    async def close(self) -> None:
        """Stop re-checking permissions."""
        for recheck in self._rechecks.values():
            recheck.cancel()
        self._rechecks.clear()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def remote_address(websocket: Any) -> str:
    """``host:port`` of the peer, for logs."""
    address = websocket.remote_address
    return f"{address[0]}:{address[1]}" if address else "?"


def _delivers(subscription: Subscription, client: ClientState, past: Past) -> bool:
    """Whether the subscription sends this event to the connection (live or replayed)."""
    if (
        not subscription.self_notification
        and client.session_id is not None
        and past.envelope.get("session_id") == client.session_id
    ):
        return False
    return any(matches(pattern, past.routing_key) for pattern in subscription.patterns)
