from hypothesis import given
from hypothesis import strategies as st

from taiga_events.hub import Hub
from taiga_events.routing import matches

KEY = "changes.project.5.userstories.userstory"


class Sub:
    def __init__(self, session_id: str | None = None) -> None:
        self.session_id = session_id


def test_exact_and_wildcard_subscribers_receive_once() -> None:
    hub = Hub()
    one, two, other = Sub("1"), Sub("2"), Sub("3")
    hub.add(one, KEY, False)
    hub.add(one, "changes.project.5.#", False)
    hub.add(one, "#", False)
    hub.add(two, "changes.project.*.userstories.userstory", False)
    hub.add(other, "changes.project.6.#", False)
    assert hub.recipients(KEY, None) == [one, two]


def test_echo_is_suppressed_unless_a_matching_subscription_wants_it() -> None:
    hub = Hub()
    me, me_too, someone = Sub("mine"), Sub("mine"), Sub("theirs")
    hub.add(me, KEY, False)
    hub.add(me_too, KEY, False)
    hub.add(me_too, "changes.project.5.#", True)
    hub.add(someone, KEY, False)
    assert set(hub.recipients(KEY, "mine")) == {me_too, someone}
    assert set(hub.recipients(KEY, None)) == {me, me_too, someone}


def test_discard_removes_only_that_subscription() -> None:
    hub = Hub()
    a, b = Sub(), Sub()
    hub.add(a, "changes.project.5.#", False)
    hub.add(b, "changes.project.5.#", False)
    hub.add(a, KEY, False)
    hub.discard(a, "changes.project.5.#")
    assert set(hub.recipients(KEY, None)) == {a, b}
    hub.discard(a, KEY)
    hub.discard(b, "changes.project.5.#")
    assert hub.recipients(KEY, None) == []
    assert hub.pattern_count == 0
    hub.discard(a, "never.subscribed")


def test_resubscribing_updates_the_options() -> None:
    hub = Hub()
    me = Sub("s")
    hub.add(me, KEY, False)
    assert hub.recipients(KEY, "s") == []
    hub.add(me, KEY, True)
    assert hub.recipients(KEY, "s") == [me]


def test_wildcards_of_all_shapes_are_found() -> None:
    hub = Hub()
    subscribers = {pattern: Sub() for pattern in ("#", "*.project.#", "changes.#.task", "#.#")}
    for pattern, subscriber in subscribers.items():
        hub.add(subscriber, pattern, False)
    assert set(hub.recipients("changes.project.5.tasks.task", None)) == set(subscribers.values())
    assert set(hub.recipients("notifications", None)) == {subscribers["#"], subscribers["#.#"]}


def test_discarding_prunes_the_trie() -> None:
    hub = Hub()
    a, b = Sub(), Sub()
    hub.add(a, "changes.project.5.userstories.*", False)
    hub.add(b, "changes.project.5.#", False)
    hub.discard(a, "changes.project.5.userstories.*")
    hub.discard(a, "changes.project.5.#")  # not a's: nothing happens
    assert hub.recipients(KEY, None) == [b]
    hub.discard(b, "changes.project.5.#")
    assert hub.pattern_count == 0
    assert not hub._root.children


words = st.sampled_from(["changes", "project", "5", "tasks", "task"])
patterns = st.lists(st.one_of(words, st.just("*"), st.just("#")), min_size=1, max_size=5).map(
    ".".join
)
keys = st.lists(words, min_size=1, max_size=5).map(".".join)


@given(
    subscriptions=st.lists(st.tuples(st.integers(0, 4), patterns), max_size=12),
    discarded=st.lists(st.tuples(st.integers(0, 4), patterns), max_size=6),
    key=keys,
)
def test_recipients_are_exactly_those_with_a_matching_pattern(
    subscriptions: list[tuple[int, str]], discarded: list[tuple[int, str]], key: str
) -> None:
    hub, subscribers = Hub(), [Sub() for _ in range(5)]
    held = set(subscriptions)
    for number, pattern in subscriptions:
        hub.add(subscribers[number], pattern, False)
    for number, pattern in discarded:
        hub.discard(subscribers[number], pattern)
        held.discard((number, pattern))
    expected = {subscribers[number] for number, pattern in held if matches(pattern, key)}
    recipients = hub.recipients(key, None)
    assert len(recipients) == len(set(recipients))
    assert set(recipients) == expected
    assert hub.pattern_count == len({pattern for _, pattern in held})
