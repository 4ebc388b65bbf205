"""The window of recent events a gateway resumes clients from."""

from hypothesis import given
from hypothesis import strategies as st

from taiga_events.history import Past, Window


def _past(position: int) -> Past:
    return Past(position, "k", {"position": position})


def _filled(size: int, positions: range, epoch: str = "e") -> Window:
    window = Window(size)
    window.start(epoch, positions.start - 1)
    for position in positions:
        assert window.append(epoch, _past(position))
    return window


def test_after_gives_what_followed_a_position_it_reaches() -> None:
    window = _filled(10, range(5, 9))
    assert [past.position for past in window.after(4)] == [5, 6, 7, 8]
    assert [past.position for past in window.after(6)] == [7, 8]
    assert window.after(8) == []
    assert window.after(3) is None  # position 4 was never held: it may have been missed


def test_events_lost_to_the_broker_leave_no_resume_across_them() -> None:
    window = _filled(10, range(5, 9))
    window.lose(20)  # 9 to 20 are gone
    assert window.append("e", _past(21))
    assert window.after(8) is None
    assert window.after(7) is None
    assert (window.reaches(19), window.reaches(20), window.reaches(25)) == (False, True, True)
    assert [past.position for past in window.after(20)] == [21]
    assert (window.head, window.floor) == (21, 20)


def test_an_empty_window_knows_only_its_head() -> None:
    window = Window()
    window.start("e", 41)
    assert window.after(41) == []
    assert window.after(40) is None


def test_old_events_leave_a_full_window() -> None:
    window = _filled(3, range(10))
    assert window.floor == 6  # it holds 7, 8 and 9
    assert window.after(5) is None
    assert [past.position for past in window.after(6)] == [7, 8, 9]


def test_repeated_or_older_positions_are_not_new() -> None:
    window = _filled(10, range(3))
    assert not window.append("e", _past(2))
    assert not window.append("e", _past(0))
    assert window.head == 2


def test_another_epoch_starts_another_history() -> None:
    window = _filled(10, range(3))
    window.start("e", 2)  # the same history, reconnected: kept
    assert [past.position for past in window.after(-1)] == [0, 1, 2]
    window.start("f", 0)
    assert (window.epoch, window.floor, window.head) == ("f", 0, 0)
    assert window.after(-1) is None
    assert window.after(0) == []


@given(st.integers(1, 20), st.integers(0, 60), st.integers(-1, 70))
def test_after_is_exact_whenever_it_answers(size: int, count: int, position: int) -> None:
    window = _filled(size, range(count))
    found = window.after(position)
    expected = list(range(position + 1, count))
    if found is None:
        assert count - size > position + 1  # only when the window lost some of them
    else:
        assert [past.position for past in found] == expected


def test_events_read_back_go_in_front_when_they_lead_up_to_the_window() -> None:
    window = _filled(10, range(5, 8))
    assert not window.prepend(1, [_past(2), _past(3)])  # not up to the window: 4 may be
    assert window.prepend(2, [_past(3), _past(4), _past(5)])  # 5 is held already
    assert [past.position for past in window.after(2)] == [3, 4, 5, 6, 7]
    empty = Window()
    empty.start("e", 4)
    assert empty.prepend(2, [_past(3), _past(4), _past(5)])  # up to the head
    assert [past.position for past in empty.after(2)] == [3, 4]


def test_positions_that_skip_leave_no_hole_in_what_it_answers() -> None:
    # RabbitMQ's offsets skip where a segment begins; a repeated event is not kept.
    window = Window(size=2)
    window.start("e", 1)
    for position in (3, 6, 9):
        assert window.append("e", _past(position))
    assert window.floor == 3  # 3 left the window: everything after it is held
    assert [past.position for past in window.after(3)] == [6, 9]
    assert [past.position for past in window.after(4)] == [6, 9]
    assert window.after(2) is None
    # Read back from the broker after 1: up to the window, across the skipped offsets.
    assert window.prepend(1, [_past(3), _past(6)])
    assert [past.position for past in window.after(1)] == [3, 6, 9]
