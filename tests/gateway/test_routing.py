import pytest
from hypothesis import given
from hypothesis import strategies as st

from taiga_events.routing import (
    InvalidPattern,
    intersect,
    matches,
    normalize_pattern,
    validate_pattern,
)

KEY = "changes.project.5.userstories.userstory"


@pytest.mark.parametrize(
    ("pattern", "routing_key", "expected"),
    [
        (KEY, KEY, True),
        ("changes.project.5.userstories.userstory", "changes.project.5.tasks.task", False),
        ("changes.project.5.userstories.*", "changes.project.5.userstories.userstory", True),
        ("changes.project.5.userstories.*", "changes.project.5.userstories", False),
        ("changes.project.*.tasks.task", "changes.project.9.tasks.task", True),
        ("changes.project.*.tasks.task", "changes.project.9.1.tasks.task", False),
        ("changes.project.#", "changes.project.5.tasks.task", True),
        ("changes.project.#", "changes.project", True),
        ("changes.#", "changes.project.5.wiki.wiki_page", True),
        ("#", "notifications", True),
        ("#", "web_notifications.42", True),
        ("#.task", "changes.project.5.tasks.task", True),
        ("changes.#.task", "changes.project.5.tasks.task", True),
        ("changes.#.task", "changes.project.5.tasks.tasks", False),
        ("web_notifications.*", "web_notifications.42", True),
        ("web_notifications.*", "web_notifications", False),
        ("*", "notifications", True),
        ("*", "web_notifications.42", False),
        ("#.#", "a", True),
        ("a.#.#.b", "a.b", True),
    ],
)
def test_amqp_topic_matching(pattern: str, routing_key: str, expected: bool) -> None:
    assert matches(pattern, routing_key) is expected


def test_project_star_means_every_change_of_that_project() -> None:
    pattern = normalize_pattern("changes.project.5.*")
    assert pattern == "changes.project.5.#"
    assert matches(pattern, "changes.project.5.userstories.userstory")
    assert matches(pattern, "changes.project.5.projects.swimlaneuserstorystatus")
    assert not matches(pattern, "changes.project.55.userstories.userstory")


def test_a_project_app_pattern_receives_four_and_five_word_keys() -> None:
    # taiga-front subscribes to changes.project.{id}.{app}; the original taiga-back publishes
    # on that key and this backend on changes.project.{id}.{app}.{model}.
    pattern = normalize_pattern("changes.project.5.userstories")
    assert pattern == "changes.project.5.userstories.#"
    assert matches(pattern, "changes.project.5.userstories")
    assert matches(pattern, "changes.project.5.userstories.userstory")
    assert not matches(pattern, "changes.project.5.tasks")
    assert not matches(pattern, "changes.project.55.userstories")
    assert matches(normalize_pattern("changes.project.5.*"), "changes.project.5.tasks")


@pytest.mark.parametrize(
    "pattern",
    [
        "changes.project.5.userstories.*",  # only the exact family forms are rewritten
        "changes.project.5.userstories.userstory",
        "changes.project.*",
        "changes.*",
        "changes.project.5.#",
    ],
)
def test_other_patterns_keep_amqp_meaning(pattern: str) -> None:
    assert normalize_pattern(pattern) == pattern


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (None, "must be a string"),
        (5, "must be a string"),
        ("", "must not be empty"),
        ("x" * 256, "longer than"),
        (".".join(["a"] * 17), "more than 16 segments"),
        ("changes.project.5.user stories", "segments must be"),
        ("changes..project", "segments must be"),
        ("changes.pro*ject", "segments must be"),
    ],
)
def test_invalid_patterns_are_rejected_with_the_reason(pattern: object, reason: str) -> None:
    with pytest.raises(InvalidPattern, match=reason):
        validate_pattern(pattern)


def _reference_match(pattern: list[str], key: list[str]) -> bool:
    """Straightforward recursive definition of AMQP topic matching."""
    if not pattern:
        return not key
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_reference_match(rest, key[i:]) for i in range(len(key) + 1))
    if not key:
        return False
    return (head == "*" or head == key[0]) and _reference_match(rest, key[1:])


words = st.sampled_from(["a", "b", "changes", "project", "5"])
keys = st.lists(words, min_size=1, max_size=6)
patterns = st.lists(st.one_of(words, st.just("*"), st.just("#")), min_size=1, max_size=6)


@given(pattern=patterns, key=keys)
def test_matching_agrees_with_the_recursive_definition(pattern: list[str], key: list[str]) -> None:
    assert matches(".".join(pattern), ".".join(key)) is _reference_match(pattern, key)


def test_limits_are_configurable() -> None:
    assert validate_pattern("a.b.c", max_length=5, max_segments=3) == "a.b.c"
    with pytest.raises(InvalidPattern, match="longer than 4 characters"):
        validate_pattern("a.b.c", max_length=4)
    with pytest.raises(InvalidPattern, match="more than 2 segments"):
        validate_pattern("a.b.c", max_segments=2)


@pytest.mark.parametrize(
    ("pattern", "template", "expected"),
    [
        (
            "changes.project.5.#",
            ("changes", "project", "5", "tasks", "*"),
            {"changes.project.5.tasks.*"},
        ),
        (
            "changes.project.5.tasks.task",
            ("changes", "project", "5", "tasks", "*"),
            {"changes.project.5.tasks.task"},
        ),
        ("changes.project.5.#", ("changes", "project", "6", "tasks", "*"), set()),
        ("#", ("notifications",), {"notifications"}),
        ("*.*", ("notifications",), set()),
        ("changes.#.task", ("changes", "project", "*", "*", "*"), {"changes.project.*.*.task"}),
    ],
)
def test_intersect(pattern: str, template: tuple[str, ...], expected: set[str]) -> None:
    assert intersect(pattern, template) == expected
