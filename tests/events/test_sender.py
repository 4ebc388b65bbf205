"""The background sender: order, retries, giving up, bounded memory, flush."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from taiga.events.backends.base import BaseEventsPushBackend
from taiga.events.payloads import MessageTooLarge
from taiga.events.sender import Sender


class FlakyBackend(BaseEventsPushBackend):
    """Records what it publishes; fails while ``failures`` is positive."""

    def __init__(self, failures: int = 0) -> None:
        super().__init__()
        self.failures = failures
        self.published: list[tuple[str, Any]] = []
        self.gate = threading.Event()
        self.gate.set()

    def emit_event(self, message: dict[str, Any], *, routing_key: str) -> None:
        self.gate.wait()
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("broker down")
        if message.get("too_large"):
            raise MessageTooLarge("message of 9000 bytes exceeds the 7999-byte limit")
        self.published.append((routing_key, message["n"]))


def test_events_are_sent_in_order() -> None:
    backend = FlakyBackend()
    sender = Sender(backend)
    for n in range(1000):
        sender.submit("k", {"n": n})
    assert sender.flush(timeout=10)
    assert [n for _, n in backend.published] == list(range(1000))
    assert sender.stats.sent == 1000
    sender.close()


def test_a_failing_broker_is_retried_and_order_is_kept() -> None:
    backend = FlakyBackend(failures=3)
    sender = Sender(backend, retry_delays=(0.001,), max_delay=30)
    for n in range(5):
        sender.submit("k", {"n": n})
    assert sender.flush(timeout=10)
    assert [n for _, n in backend.published] == [0, 1, 2, 3, 4]
    assert sender.stats.failed == 0
    assert sender.stats.retried >= 2
    sender.close()


def test_an_event_is_given_up_after_max_delay_and_the_next_ones_go(caplog) -> None:
    backend = FlakyBackend(failures=10**9)
    sender = Sender(backend, retry_delays=(0.001,), max_delay=0.05)
    sender.submit("changes.project.1.tasks.task", {"n": 0})
    assert sender.flush(timeout=10)
    assert sender.stats.failed == 1
    assert "gave up emitting the event on changes.project.1.tasks.task" in caplog.text
    backend.failures = 0
    sender.submit("k", {"n": 1})
    assert sender.flush(timeout=10)
    assert backend.published == [("k", 1)]
    sender.close()


def test_unsendable_events_are_not_retried(caplog) -> None:
    backend = FlakyBackend()
    sender = Sender(backend, retry_delays=(10,), max_delay=60)
    sender.submit("k", {"n": 0, "too_large": True})
    sender.submit("k", {"n": 1})
    assert sender.flush(timeout=5)
    assert backend.published == [("k", 1)]
    assert (sender.stats.failed, sender.stats.retried) == (1, 0)
    assert "cannot emit the event on k" in caplog.text
    sender.close()


def test_a_full_queue_drops_new_events_and_says_so(caplog) -> None:
    backend = FlakyBackend()
    backend.gate.clear()  # the broker hangs: nothing leaves the queue
    sender = Sender(backend, max_queue=3)
    for n in range(10):
        sender.submit("k", {"n": n})
    assert not sender.flush(timeout=0.05)
    backend.gate.set()
    assert sender.flush(timeout=10)
    # The queue never held more than three: the thread took at most those three before the
    # broker hung, and three more were queued; the rest were dropped.
    assert sender.stats.dropped >= 4
    assert sender.stats.sent + sender.stats.dropped == 10
    assert "events queue full (3): dropped the event on k" in caplog.text
    sender.close()


@pytest.mark.parametrize("pending", [0, 3])
def test_close_sends_what_is_queued(pending: int) -> None:
    backend = FlakyBackend()
    sender = Sender(backend)
    for n in range(pending):
        sender.submit("k", {"n": n})
    sender.close()
    assert len(backend.published) == pending
