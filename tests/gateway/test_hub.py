from taiga_events.hub import Hub

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
