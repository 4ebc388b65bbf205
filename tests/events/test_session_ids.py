"""The x-session-id reaches the events of its own request only: sync, async, threads, workers."""

from __future__ import annotations

import asyncio
import threading

from django.test import AsyncClient

from taiga.events import events as emission
from taiga.events.middleware import (
    get_current_session_id,
    reset_current_session_id,
    set_current_session_id,
)
from tests.events.conftest import Captured


async def test_concurrent_async_requests_keep_their_own_session(settings, events: Captured) -> None:
    settings.ROOT_URLCONF = "tests.events.async_urls"
    client = AsyncClient()
    responses = await asyncio.gather(
        *(client.get("/emit", headers={"x-session-id": f"tab-{n}"}) for n in range(5)),
        client.get("/emit"),
    )
    assert [r.json()["session_id"] for r in responses] == [f"tab-{n}" for n in range(5)] + [None]
    sessions = sorted((e["session_id"] or "", e["data"]["step"]) for _, e in events)
    assert sessions == sorted(
        (session, step) for session in ["", *(f"tab-{n}" for n in range(5))] for step in (1, 2)
    )
    assert get_current_session_id() is None


def test_threads_do_not_share_session_ids(transactional_db, events: Captured) -> None:
    both_set = threading.Barrier(2)

    def worker(session_id: str) -> None:
        token = set_current_session_id(session_id)
        both_set.wait(timeout=10)
        emission.emit_event("notifications", {"from": session_id}, on_commit=False)
        reset_current_session_id(token)

    threads = [threading.Thread(target=worker, args=(s,)) for s in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted((e["session_id"], e["data"]["from"]) for _, e in events) == [
        ("one", "one"),
        ("two", "two"),
    ]


def test_a_new_thread_does_not_inherit_the_requests_session(transactional_db, events) -> None:
    token = set_current_session_id("request")
    try:
        thread = threading.Thread(
            target=emission.emit_event, args=("notifications", {}), kwargs={"on_commit": False}
        )
        thread.start()
        thread.join(timeout=10)
    finally:
        reset_current_session_id(token)
    assert [e["session_id"] for _, e in events] == [None]


def test_explicit_session_id_wins(transactional_db, events: Captured) -> None:
    token = set_current_session_id("request")
    try:
        emission.emit_event("notifications", {}, session_id="worker-job", on_commit=False)
        emission.emit_event("notifications", {}, session_id=None, on_commit=False)
    finally:
        reset_current_session_id(token)
    assert [e["session_id"] for _, e in events] == ["worker-job", None]


def test_control_characters_make_a_session_id_absent() -> None:
    for absurd in ("tab\n1", "tab 1", "é", "x" * 129, ""):
        token = set_current_session_id(absurd)
        assert get_current_session_id() is None
        reset_current_session_id(token)
