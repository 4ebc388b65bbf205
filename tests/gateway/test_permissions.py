"""The permission cache: per user and scope, for a time, one ask at a time, no cached errors."""

from __future__ import annotations

import asyncio

import pytest

from taiga_events.authorization import Scope
from taiga_events.permissions import BackendUnavailable, PermissionCache

VIEW = frozenset({"view_project"})


class Source:
    def __init__(self) -> None:
        self.asked: list[tuple[int | None, Scope, str | None]] = []
        self.answer: frozenset[str] | Exception = VIEW
        self.gate: asyncio.Event | None = None

    async def fetch(self, user_id: int | None, scope: Scope, token: str | None) -> frozenset[str]:
        self.asked.append((user_id, scope, token))
        if self.gate is not None:
            await self.gate.wait()
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def source() -> Source:
    return Source()


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def test_answers_are_kept_per_user_and_scope_for_the_ttl(
    source: Source, clock: Clock
) -> None:
    cache = PermissionCache(source, ttl=30, clock=clock)
    assert await cache.get(1, 5, "t1") == VIEW
    assert await cache.get(1, 5, "another token of user 1") == VIEW
    assert await cache.get(2, 5, "t2") == VIEW
    assert await cache.get(None, 5, None) == VIEW
    assert source.asked == [(1, 5, "t1"), (2, 5, "t2"), (None, 5, None)]
    clock.now += 30
    await cache.get(1, 5, "t1")
    assert len(source.asked) == 4
    await cache.get(1, 5, "t1", fresh=True)
    assert len(source.asked) == 5


async def test_failures_are_not_kept(source: Source, clock: Clock) -> None:
    cache = PermissionCache(source, ttl=30, clock=clock)
    source.answer = BackendUnavailable("down")
    with pytest.raises(BackendUnavailable):
        await cache.get(1, 5, "t")
    source.answer = VIEW
    assert await cache.get(1, 5, "t") == VIEW
    assert len(source.asked) == 2


async def test_concurrent_questions_share_one_ask_even_if_one_gives_up(
    source: Source, clock: Clock
) -> None:
    cache = PermissionCache(source, ttl=30, clock=clock)
    source.gate = asyncio.Event()
    first = asyncio.create_task(cache.get(1, 5, "t"))
    second = asyncio.create_task(cache.get(1, 5, "t"))
    await asyncio.sleep(0)
    first.cancel()
    source.gate.set()
    assert await second == VIEW
    assert len(source.asked) == 1


async def test_expired_answers_are_swept(source: Source, clock: Clock) -> None:
    cache = PermissionCache(source, ttl=30, clock=clock)
    for project in range(10):
        await cache.get(1, project, "t")
    clock.now += 60
    await cache.get(1, 99, "t")
    assert list(cache._answers) == [(1, 99)]


async def test_seeded_answers_are_kept_as_asked_ones_never_beyond_the_ttl(
    source: Source, clock: Clock
) -> None:
    cache = PermissionCache(source, ttl=30, clock=clock)
    assert cache.seed(1, 5, VIEW, lifetime=10)
    assert cache.remaining(1, 5) == 10
    assert await cache.get(1, 5, "t") == VIEW
    assert source.asked == []
    # A longer lifetime than the ttl is cut to it; an answer already lasting as long stays.
    assert cache.seed(1, 6, frozenset(), lifetime=300)
    assert cache.remaining(1, 6) == 30
    assert not cache.seed(1, 6, VIEW, lifetime=20)
    assert await cache.get(1, 6, "t") == frozenset()
    # Nothing kept for what has expired already, or was never given.
    assert not cache.seed(1, 7, VIEW, lifetime=0)
    assert cache.remaining(1, 7) == cache.remaining(2, 5) == 0
    clock.now += 10
    assert cache.remaining(1, 5) == 0
    assert await cache.get(1, 5, "t") == VIEW
    assert source.asked == [(1, 5, "t")]
