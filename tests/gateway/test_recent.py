"""The recent event ids that let the gateway drop an event published twice."""

from hypothesis import given
from hypothesis import strategies as st

from taiga_events.recent import RecentIds


def test_an_id_is_seen_the_second_time() -> None:
    recent = RecentIds()
    assert [recent.seen(event_id) for event_id in "abab"] == [False, False, True, True]


def test_only_the_last_capacity_ids_are_kept() -> None:
    recent = RecentIds(capacity=3)
    for event_id in "abcd":
        assert not recent.seen(event_id)
    assert not recent.seen("a")  # forgotten: four came after it
    assert recent.seen("d")


@given(st.lists(st.sampled_from("abcdefgh"), max_size=60), st.integers(1, 5))
def test_seen_means_among_the_last_distinct_ids(ids: list[str], capacity: int) -> None:
    recent = RecentIds(capacity)
    remembered: list[str] = []
    for event_id in ids:
        assert recent.seen(event_id) is (event_id in remembered)
        if event_id not in remembered:
            remembered = [*remembered, event_id][-capacity:]
