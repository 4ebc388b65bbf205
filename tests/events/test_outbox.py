"""The outbox: an event is saved with its change, and relayed until the broker has it."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import transaction

from taiga.events import events as emission
from taiga.events.models import OutboxEvent, RelayLease
from taiga.events.relay import Relay
from tests.events.conftest import Captured
from tests.events.fake_backends import Recording

KEY = "changes.project.1.tasks.task"


@pytest.fixture
def recording(settings) -> Iterator[type[Recording]]:
    """The Recording backend, relayed by hand: no relay thread, empty outbox."""
    settings.EVENTS_PUSH_BACKEND = "tests.events.fake_backends.Recording"
    settings.EVENTS_RELAY_IN_PROCESS = False
    Recording.published, Recording.failures_left, Recording.routes = [], 0, True
    OutboxEvent.objects.all().delete()
    yield Recording


def _pending() -> list[str]:
    return [row.routing_key for row in OutboxEvent.objects.order_by("id")]


def test_an_event_is_written_in_the_changes_transaction(transactional_db, recording) -> None:
    with transaction.atomic():
        event_id = emission.emit_event(KEY, {"n": 1}, session_id="s")
        row = OutboxEvent.objects.get()
        assert (row.event_id, row.routing_key) == (event_id, KEY)
    with pytest.raises(RuntimeError), transaction.atomic():
        emission.emit_event(KEY, {"n": 2})
        raise RuntimeError("roll back")
    # Committed: one row; rolled back: none.
    assert [row.event_id for row in OutboxEvent.objects.all()] == [event_id]
    assert Relay().relay_pass() == 1
    assert recording.published == [
        (KEY, {"session_id": "s", "data": {"n": 1}, "event_id": event_id})
    ]
    assert _pending() == []


def test_event_ids_are_unique(transactional_db, events: Captured) -> None:
    for n in range(50):
        emission.emit_event(KEY, {"n": n})
    assert len(set(events.event_ids)) == len(events) == 50


def test_the_broker_away_keeps_every_event_in_order_until_it_is_back(
    transactional_db, recording
) -> None:
    for n in range(5):
        emission.emit_event(KEY, {"n": n})
    relay = Relay()
    recording.failures_left = 3
    for _ in range(3):
        with pytest.raises(ConnectionError):
            relay.relay_pass()
        assert len(_pending()) == 5
    assert relay.relay_pass() == 5
    assert [message["data"]["n"] for _, message in recording.published] == [0, 1, 2, 3, 4]
    assert _pending() == []


def test_rows_that_commit_late_are_not_skipped(transactional_db, recording) -> None:
    # An id taken before others but committed after them: no "last id sent" to skip it by.
    relay = Relay()
    early = OutboxEvent.objects.create(event_id="late", routing_key=KEY, message='{"data":{}}')
    early_id = early.pk
    early.delete()
    emission.emit_event(KEY, {"n": "committed first"})
    assert relay.relay_pass() == 1
    OutboxEvent.objects.create(
        id=early_id, event_id="late", routing_key=KEY, message='{"data": {"n": "late"}}'
    )
    assert relay.relay_pass() == 1
    assert [message["data"]["n"] for _, message in recording.published] == [
        "committed first",
        "late",
    ]


def test_events_no_queue_takes_are_retried_then_dropped_with_a_warning(
    transactional_db, recording, settings, caplog
) -> None:
    settings.EVENTS_OUTBOX_UNROUTABLE_SECONDS = 3600
    emission.emit_event(KEY, {"n": 0})
    relay = Relay()
    recording.routes = False
    assert relay.relay_pass() == 0
    assert _pending() == [KEY]
    assert OutboxEvent.objects.get().unroutable_since is not None
    # A route appears (a gateway bound its queue): the event goes.
    recording.routes = True
    assert relay.relay_pass() == 1
    assert _pending() == []
    # Nothing bound for longer than the limit: dropped, and said so.
    emission.emit_event(KEY, {"n": 1})
    recording.routes = False
    relay.relay_pass()
    settings.EVENTS_OUTBOX_UNROUTABLE_SECONDS = 0
    with caplog.at_level(logging.WARNING, logger="taiga.events.relay"):
        assert relay.relay_pass() == 1
    assert _pending() == []
    assert relay.stats.unroutable == 1
    assert f"dropped 1 event(s) (the first on {KEY}) that no queue took" in caplog.text


def test_one_process_relays_at_a_time_and_another_takes_over(
    transactional_db, recording, settings
) -> None:
    settings.EVENTS_RELAY_LEASE_SECONDS = 0.2
    leader, other = Relay(), Relay()
    emission.emit_event(KEY, {"n": 0})
    assert leader.relay_pass() == 1
    emission.emit_event(KEY, {"n": 1})
    assert other.relay_pass() == 0  # the leader's lease holds
    assert _pending() == [KEY]
    # The leader stops renewing (it died): once its lease lapses the other relays.
    deadline = time.monotonic() + 10
    while other.relay_pass() == 0:
        assert time.monotonic() < deadline, "the lease never lapsed"
    assert RelayLease.objects.get().holder == other.holder
    assert _pending() == []
    # A relay that stops hands the lease over at once.
    other._release_lease()
    emission.emit_event(KEY, {"n": 2})
    settings.EVENTS_RELAY_LEASE_SECONDS = 3600
    assert leader.relay_pass() == 1


def test_the_memory_bus_waits_for_a_process_with_a_consumer(transactional_db) -> None:
    # No gateway in this process: the event stays in the outbox for one that has it.
    emission.emit_event(KEY, {"n": 0})
    assert _pending() == [KEY]
    assert Relay().relay_pass(leased=False) == 0
    assert _pending() == [KEY]


def test_the_notification_command_says_what_happened(transactional_db, capsys) -> None:
    call_command("emit_notification_message", "--title", "Nobody", "--desc", "-", "--wait", "0.1")
    out = capsys.readouterr().out
    assert "'Nobody' written to the events outbox: no relay delivered it" in out
    OutboxEvent.objects.all().delete()


def test_the_notification_command_reports_delivery(transactional_db, events: Captured, capsys):
    call_command("emit_notification_message", "--title", "Maintenance", "--desc", "At 2 AM")
    assert capsys.readouterr().out == "sent notification 'Maintenance': delivered to the broker\n"
    assert events.keys() == ["notifications"]


def test_an_event_no_broker_can_take_is_dropped_and_the_others_go(
    transactional_db, recording, caplog
) -> None:
    for data in ({"n": 0}, {"n": 1, "too_large": True}, {"n": 2}):
        emission.emit_event(KEY, data)
    relay = Relay()
    with caplog.at_level(logging.ERROR, logger="taiga.events.relay"):
        assert relay.relay_pass() == 3
    assert [message["data"]["n"] for _, message in recording.published] == [0, 2]
    assert (relay.stats.unsendable, _pending()) == (1, [])
    assert f"dropped the event on {KEY}, which cannot be sent" in caplog.text


def test_a_transaction_wakes_the_relay_once_however_many_events_it_emits(
    transactional_db, recording, monkeypatch
) -> None:
    woken: list[None] = []
    monkeypatch.setattr(Relay, "committed", lambda relay: woken.append(None))
    with transaction.atomic():
        for n in range(5):
            emission.emit_event(KEY, {"n": n})
        with pytest.raises(RuntimeError), transaction.atomic():
            emission.emit_event(KEY, {"n": "rolled back"})
            raise RuntimeError("roll back the savepoint")
    assert len(woken) == 1
    assert len(_pending()) == 5
