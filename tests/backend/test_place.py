"""``place``: where a block of moved objects goes, and which other members must move."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from taiga.projects.services.bulk_update_order import place

orders = st.integers(min_value=-50, max_value=50)


@st.composite
def moves(draw: st.DrawFn) -> tuple[list, list, dict]:
    """A sorted group, a block of other ids (some already in the group's order, some from
    elsewhere) and an anchor: nothing, after or before one member."""
    members = draw(st.lists(orders, max_size=8))
    group = sorted(enumerate(members, start=1), key=lambda pair: (pair[1], pair[0]))
    current = draw(st.lists(st.none() | orders, min_size=1, max_size=4))
    moved = [(100 + index, order) for index, order in enumerate(current)]
    anchor = {}
    if group:
        kind = draw(st.sampled_from(["first", "after", "before"]))
        if kind != "first":
            anchor[kind] = draw(st.sampled_from([pk for pk, _ in group]))
    return group, moved, anchor


def split(group: list, anchor: dict) -> tuple[list[int], list[int]]:
    """The ids of the members that end up before the block, and after it."""
    ids = [pk for pk, _ in group]
    cut = ids.index(anchor["before"]) if "before" in anchor else 0
    if "after" in anchor:
        cut = ids.index(anchor["after"]) + 1
    return ids[:cut], ids[cut:]


@given(moves())
def test_the_block_lands_at_its_place_and_only_members_that_must_move_do(move) -> None:
    group, moved, anchor = move
    stored = dict(group)

    result = dict(place(group, moved, **anchor))

    above, below = split(group, anchor)
    assert set(result) >= {pk for pk, _ in moved}
    assert not set(result) & set(above)
    final = {**stored, **result}
    expected = [*above, *(pk for pk, _ in moved), *below]
    assert sorted(final, key=lambda pk: (final[pk], pk)) == expected
    for previous, pk in pairwise(expected):
        if pk in stored and pk in result:  # it moved: it was not above its new predecessor
            assert result[pk] != stored[pk]
            assert stored[pk] <= final[previous]


def test_a_group_with_gaps_makes_room_without_moving_anyone() -> None:
    group = [(1, 10), (2, 20), (3, 30)]

    assert place(group, [(9, None), (8, None)], after=1) == [(9, 11), (8, 12)]
    assert place(group, [(9, None)]) == [(9, 1)]
    assert place(group, [(9, 25)], after=2) == [(9, 25)]  # already there


def test_a_group_without_gaps_moves_up_only_as_far_as_needed() -> None:
    group = [(1, 1), (2, 2), (3, 3), (4, 5), (5, 9)]

    assert place(group, [(9, None)], before=2) == [(9, 2), (2, 3), (3, 4)]
    assert place(group, [(9, None), (8, None)]) == [(9, -1), (8, 0)]  # no room above 1
