"""The heap freezer: frozen objects are left alone by full collections, bursts of connections
are frozen, and what closed connections left behind is reclaimed in time."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from taiga_events.heap import HeapFreezer
from tests.gateway.conftest import until


class Cycle:
    """An object in a reference cycle: only the cyclic collector can free it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    """The freezer acts on the whole process: leave the test process as it was."""
    yield
    gc.unfreeze()


def garbage_cycle() -> weakref.ref:
    return weakref.ref(Cycle())


async def test_frozen_garbage_survives_full_collections_until_reclaimed() -> None:
    heap = HeapFreezer(reclaim_min=3)
    cycle = garbage_cycle()
    heap.freeze()
    gc.collect()
    assert cycle() is not None, "a full collection walked the frozen objects"
    # Connections that closed since: too few to reclaim for yet.
    for _ in range(3):
        heap.connection_opened()
    for _ in range(2):
        heap.connection_closed()
    heap.freeze()
    gc.collect()
    assert cycle() is not None
    heap.connection_closed()
    heap.freeze()
    assert cycle() is None
    assert gc.get_freeze_count() > 0


async def test_a_burst_of_connections_is_frozen_once_it_has_had_a_moment() -> None:
    heap = HeapFreezer(burst=5, quiet_seconds=0)
    for _ in range(5):
        heap.connection_opened()
    await until(gc.get_freeze_count)
    assert heap.opened == 0


async def test_many_closed_connections_are_reclaimed_by_themselves() -> None:
    heap = HeapFreezer(quiet_seconds=0, reclaim_min=2)
    cycle = garbage_cycle()
    heap.freeze()
    heap.connection_opened()
    heap.connection_closed()
    heap.connection_closed()
    await until(lambda: cycle() is None)
    heap.close()
