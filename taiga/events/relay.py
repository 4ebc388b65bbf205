"""The relay: publishes the outbox to the broker and deletes what the broker has taken.

Guarantee: a row leaves the outbox only once the backend has confirmed its message and the
broker routed it to at least one queue. So every committed event reaches the broker at
least once, whatever fails in between: the process may crash (another takes over), the
broker may be away for any length of time (the rows wait, in order). A message may then
be published twice (a crash between the broker's confirm and the delete); its
``event_id`` lets consumers drop the second copy, as the gateway does.

Order: each pass reads the rows present, oldest id first. Ids are taken when rows are
written, not when they commit, so a row may become visible after rows with higher ids
were published; the relay keeps no "last id sent" and simply finds it on its next pass.
Events thus leave in the order they became visible, which is commit order, and within a
transaction in the order they were emitted.

One process relays at a time: it holds a lease (a row of ``events_relay_lease``) that it
renews while it works; when it dies, another process takes over once the lease lapses
(``EVENTS_RELAY_LEASE_SECONDS``, 10 s). A process is woken when its own transactions
commit; on PostgreSQL the commits of other processes wake it too (``NOTIFY``), elsewhere
it looks every ``EVENTS_RELAY_POLL_SECONDS``.

Backends that publish in-process (the memory bus) are relayed by the committing thread
itself, at commit, and only by a process whose bus has a consumer (the one that runs the
gateway): rows written by other processes wait for it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import socket
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from django.conf import settings
from django.db import IntegrityError, connections
from django.db.models import Q

from . import backends
from .backends.base import UnsendableEvent
from .models import OutboxEvent, RelayLease

logger = logging.getLogger(__name__)

LEASE = "outbox"
WAKE_CHANNEL = "events_outbox"
BATCH_SIZE = 500
# Delays between attempts while the broker is away or routes nothing (the last repeats).
RETRY_DELAYS = (0.1, 0.2, 0.5, 1.0)


@dataclass
class RelayStats:
    published: int = 0
    # Events given up because no queue took them for EVENTS_OUTBOX_UNROUTABLE_SECONDS.
    unroutable: int = 0
    # Events given up because no broker could take them (too large for NOTIFY).
    unsendable: int = 0


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


class Relay:
    """Publishes one database's outbox; one per process (``get_relay``)."""

    def __init__(self, using: str = "default") -> None:
        self.using = using
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.stats = RelayStats()
        self._lock = threading.Lock()  # one pass at a time in this process
        self._starting = threading.Lock()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._renewed_at = 0.0
        self._waiting = False  # rows are waiting for the broker or for a route

    # What emission calls --------------------------------------------------------------

    def committed(self) -> None:
        """Rows were committed by this process: publish them now or wake the relay."""
        if not backends.get_events_backend().blocking:
            try:
                self.relay_pass(leased=False)
            except Exception:
                logger.exception("could not publish the outbox in-process")
            return
        if getattr(settings, "EVENTS_RELAY_IN_PROCESS", True):
            self.start()
            self.wake()
        if not self._renewed_at:
            # Another process may hold the lease: tell it (a no-op but on PostgreSQL).
            notify_commit(self.using)

    def wake(self) -> None:
        with contextlib.suppress(BlockingIOError):  # already awake
            os.write(self._wake_w, b"!")

    def wait_published(self, event_id: str, timeout: float) -> bool:
        """Wait until the event has left the outbox (whichever process relayed it)."""
        deadline = time.monotonic() + timeout
        pending = OutboxEvent.objects.using(self.using).filter(event_id=event_id)
        while pending.exists():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    # One pass -------------------------------------------------------------------------

    def relay_pass(self, *, leased: bool = True) -> int:
        """Publish what the outbox holds now; returns how many rows left it.

        With ``leased``, only while this process holds the lease (0 otherwise). Raises what
        the database or the broker raise; the rows then stay for the next pass.
        """
        if not backends.get_events_backend().reaches_consumers():
            return 0  # the memory bus of a process without a gateway: leave them
        with self._lock:
            if leased and not self._hold_lease():
                return 0
            total = 0
            self._waiting = False
            while not self._stopping:
                rows = list(
                    OutboxEvent.objects.using(self.using)
                    .order_by("id")
                    .values_list("id", "routing_key", "message", "unroutable_since")[:BATCH_SIZE]
                )
                if not rows:
                    break
                if leased and not self._hold_lease():
                    break
                done = self._publish(rows)
                total += done
                if done < len(rows):
                    self._waiting = True
                    break
            return total

    def _publish(self, rows: Sequence[tuple[int, str, str, float | None]]) -> int:
        backend = backends.get_events_backend()
        batch = [(routing_key, orjson.loads(message)) for _, routing_key, message, _ in rows]
        try:
            unroutable = set(backend.emit_events(batch) or ())
        except UnsendableEvent as exc:
            if len(rows) > 1:  # find which: the others go
                return sum(self._publish([row]) for row in rows)
            logger.error("dropped the event on %s, which cannot be sent: %s", rows[0][1], exc)
            self.stats.unsendable += 1
            OutboxEvent.objects.using(self.using).filter(id=rows[0][0]).delete()
            return 1
        gone = [row[0] for index, row in enumerate(rows) if index not in unroutable]
        if unroutable:
            gone += self._unroutable([rows[index] for index in sorted(unroutable)])
        OutboxEvent.objects.using(self.using).filter(id__in=gone).delete()
        published = len(rows) - len(unroutable)
        self.stats.published += published
        return len(gone)

    def _unroutable(self, rows: Sequence[tuple[int, str, str, float | None]]) -> list[int]:
        """Note when rows were first refused for want of a queue; returns those to give up."""
        now = time.time()
        limit = _setting("EVENTS_OUTBOX_UNROUTABLE_SECONDS", 60.0)
        first_time = [row[0] for row in rows if row[3] is None]
        OutboxEvent.objects.using(self.using).filter(id__in=first_time).update(unroutable_since=now)
        expired = [row for row in rows if row[3] is not None and now - row[3] >= limit]
        if expired:
            self.stats.unroutable += len(expired)
            logger.warning(
                "dropped %d event(s) (the first on %s) that no queue took for %.0f s: "
                "nothing is bound to the events exchange (no gateway running?)",
                len(expired),
                expired[0][1],
                limit,
            )
        return [row[0] for row in expired]

    def _hold_lease(self) -> bool:
        """Take or renew the lease; False while another live process holds it."""
        now = time.time()
        seconds = _setting("EVENTS_RELAY_LEASE_SECONDS", 10.0)
        if now - self._renewed_at < seconds / 5:
            return True
        leases = RelayLease.objects.using(self.using)
        renewed = leases.filter(Q(holder=self.holder) | Q(expires_at__lt=now), name=LEASE).update(
            holder=self.holder, expires_at=now + seconds
        )
        if not renewed:
            try:
                leases.create(name=LEASE, holder=self.holder, expires_at=now + seconds)
            except IntegrityError:
                self._renewed_at = 0.0
                return False
        if not self._renewed_at:
            logger.info("relaying the events outbox from this process (%s)", self.holder)
        self._renewed_at = now
        return True

    def _release_lease(self) -> None:
        if self._renewed_at:
            RelayLease.objects.using(self.using).filter(name=LEASE, holder=self.holder).update(
                expires_at=0
            )
            self._renewed_at = 0.0

    # The relay thread -----------------------------------------------------------------

    def start(self) -> None:
        """Run the relay in a daemon thread of this process (idempotent)."""
        with self._starting:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stopping = False
            self._thread = threading.Thread(target=self.run, name="events-relay", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Finish the pass under way, hand the lease over and stop the thread."""
        self._stopping = True
        self.wake()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._thread = None

    def run(self) -> None:
        """Relay until ``stop``: what ``manage.py events_relay`` and the thread run."""
        delays = iter(())
        listener = None
        failing = False
        try:
            while not self._stopping:
                delay = _setting("EVENTS_RELAY_POLL_SECONDS", 1.0)
                try:
                    if listener is None:
                        listener = _listen(self.using)
                    published = self.relay_pass()
                    if failing:
                        logger.warning("the events outbox is flowing again (%d sent)", published)
                        failing = False
                    if self._waiting:
                        delay = next(delays, RETRY_DELAYS[-1])
                    else:
                        delays = iter(RETRY_DELAYS)
                    if not self._renewed_at:
                        delay = max(delay, _setting("EVENTS_RELAY_LEASE_SECONDS", 10.0) / 4)
                except Exception as exc:
                    if not failing:
                        logger.warning(
                            "cannot publish the events outbox (%s): the events wait there "
                            "and are retried",
                            _describe(exc),
                        )
                        failing = True
                    delay = next(delays, RETRY_DELAYS[-1])
                    listener = _close(listener)
                    connections[self.using].close()
                self._wait(delay, listener)
        finally:
            _close(listener)
            try:
                self._release_lease()
            except Exception:
                logger.debug("could not release the relay lease", exc_info=True)
            connections[self.using].close()

    def _wait(self, delay: float, listener: Any) -> None:
        """Sleep up to ``delay``, woken by ``wake`` or by another process's commit."""
        watched = [self._wake_r] if listener is None else [self._wake_r, listener.pgconn.socket]
        ready, _, _ = select.select(watched, [], [], delay)
        if self._wake_r in ready:
            with contextlib.suppress(BlockingIOError):
                while os.read(self._wake_r, 4096):
                    pass
        if listener is not None and listener.pgconn.socket in ready:
            listener.pgconn.consume_input()
            while listener.pgconn.notifies() is not None:
                pass


def _listen(using: str) -> Any:
    """On PostgreSQL, a connection that hears every process's commits; None elsewhere."""
    wrapper = connections[using]
    if wrapper.vendor != "postgresql":
        return None
    import psycopg

    params = wrapper.get_connection_params()
    for python_only in ("cursor_factory", "context"):
        params.pop(python_only, None)
    listener = psycopg.connect(**params, autocommit=True)
    listener.execute(f"LISTEN {WAKE_CHANNEL}")
    return listener


def _close(listener: Any) -> None:
    if listener is not None:
        listener.close()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def notify_commit(using: str) -> None:
    """Wake the relays of other processes (PostgreSQL): this transaction wrote rows."""
    wrapper = connections[using]
    if wrapper.vendor == "postgresql":
        with wrapper.cursor() as cursor:
            cursor.execute(f"NOTIFY {WAKE_CHANNEL}")


def start_in_process() -> None:
    """Start this process's relay if the settings want one here: web servers call it at
    start-up, so that rows left by a process that died leave without waiting for a commit."""
    if (
        getattr(settings, "EVENTS_RELAY_IN_PROCESS", True)
        and backends.get_events_backend().blocking
    ):
        get_relay().start()


_relays: dict[tuple[int, str], Relay] = {}
_relays_lock = threading.Lock()


def get_relay(using: str = "default") -> Relay:
    """This process's relay of ``using`` (a forked child gets its own)."""
    key = (os.getpid(), using)
    with _relays_lock:
        relay = _relays.get(key)
        if relay is None:
            relay = _relays[key] = Relay(using)
        return relay


def stop_relays(timeout: float = 5.0) -> None:
    """Stop this process's relay threads (at exit, and when the settings change)."""
    with _relays_lock:
        mine = [relay for (pid, _), relay in _relays.items() if pid == os.getpid()]
        _relays.clear()
    for relay in mine:
        relay.stop(timeout)
