"""The subscription rules of DESIGN.md 2.2, decided without I/O."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taiga_events.authorization import (
    ALL_PROJECTS,
    APP_PERMISSIONS,
    SUPERUSER,
    Forbidden,
    Grant,
    allowed_patterns,
    classify,
)
from taiga_events.routing import intersect, matches

VIEW_ALL = frozenset(APP_PERMISSIONS.values())
APPS = ("userstories", "tasks", "issues", "epics", "milestones", "wiki", "projects")


def test_project_patterns_depend_on_that_projects_permissions() -> None:
    assert classify("changes.project.5.*", None) == Grant("changes.project.5.#", 5)
    assert classify("changes.project.5.tasks.task", 1) == Grant("changes.project.5.tasks.task", 5)


def test_anonymous_connections_may_only_ask_for_project_changes() -> None:
    for pattern in ("web_notifications.1", "live_notifications.1", "notifications", "#"):
        with pytest.raises(Forbidden) as raised:
            classify(pattern, None)
        assert raised.value.needs_auth


def test_web_notifications_only_for_the_own_user() -> None:
    assert classify("web_notifications.42", 42) == Grant("web_notifications.42")
    for pattern in ("web_notifications.43", "web_notifications.*", "web_notifications.#"):
        with pytest.raises(Forbidden, match="your own user"):
            classify(pattern, 42)


def test_live_notifications_are_pinned_to_the_own_user() -> None:
    for pattern in ("live_notifications.7", "live_notifications.*", "live_notifications"):
        assert classify(pattern, 42) == Grant("live_notifications.42")


@pytest.mark.parametrize(
    "pattern",
    ["changes.#", "#", "*.#", "changes.project.*.tasks.task", "changes.project.#", "changes.*"],
)
def test_cross_project_patterns_need_a_superuser(pattern: str) -> None:
    grant = classify(pattern, 1)
    assert grant.scope == ALL_PROJECTS
    with pytest.raises(Forbidden, match="superusers only"):
        allowed_patterns(grant, 1, frozenset())


def test_a_superusers_wildcard_spans_every_project_and_their_own_notifications() -> None:
    patterns = allowed_patterns(classify("#", 1), 1, frozenset({SUPERUSER}))
    assert patterns == (
        "changes.project.*.*",
        "changes.project.*.*.*",
        "live_notifications.1",
        "notifications",
        "web_notifications.1",
    )
    # Even a superuser's wildcard does not reach other users' notifications.
    assert not any(matches(p, "web_notifications.2") for p in patterns)
    assert allowed_patterns(classify("changes.#", 1), 1, frozenset({SUPERUSER})) == (
        "changes.project.*.*",
        "changes.project.*.*.*",
    )


def test_a_project_wildcard_delivers_only_the_apps_the_user_may_view() -> None:
    grant = classify("changes.project.5.*", 1)
    assert allowed_patterns(grant, 1, VIEW_ALL) == tuple(
        sorted(f"changes.project.5.{app}{tail}" for app in APPS for tail in ("", ".*"))
    )
    assert allowed_patterns(grant, 1, frozenset({"view_project", "view_us"})) == (
        "changes.project.5.projects",
        "changes.project.5.projects.*",
        "changes.project.5.userstories",
        "changes.project.5.userstories.*",
    )


def test_four_word_keys_are_authorized_by_app_as_five_word_ones() -> None:
    # The original taiga-back's keys: changes.project.{id}.{app}, as taiga-front follows them.
    may_view_stories = frozenset({"view_project", "view_us"})
    grant = classify("changes.project.5.userstories", 1)
    assert grant == Grant("changes.project.5.userstories.#", 5)
    patterns = allowed_patterns(grant, 1, may_view_stories)
    assert patterns == ("changes.project.5.userstories", "changes.project.5.userstories.*")
    with pytest.raises(Forbidden, match="matches no event you may receive"):
        allowed_patterns(classify("changes.project.5.tasks", 1), 1, may_view_stories)
    everything = allowed_patterns(classify("changes.project.5.#", 1), 1, may_view_stories)
    assert any(matches(p, "changes.project.5.userstories") for p in everything)
    assert not any(matches(p, "changes.project.5.tasks") for p in everything)


def test_an_app_the_user_may_not_view_is_refused() -> None:
    grant = classify("changes.project.5.tasks.task", 1)
    assert allowed_patterns(grant, 1, VIEW_ALL) == ("changes.project.5.tasks.task",)
    with pytest.raises(Forbidden, match="matches no event you may receive"):
        allowed_patterns(grant, 1, frozenset({"view_project", "view_us"}))


def test_a_project_the_user_may_not_view_is_refused() -> None:
    with pytest.raises(Forbidden, match="may not view project 5") as raised:
        allowed_patterns(classify("changes.project.5.*", 1), 1, frozenset())
    assert not raised.value.needs_auth
    with pytest.raises(Forbidden, match="not public") as raised:
        allowed_patterns(classify("changes.project.5.*", None), None, frozenset({"view_us"}))
    assert raised.value.needs_auth


def test_own_notifications_need_no_permissions() -> None:
    for pattern in ("notifications", "web_notifications.1", "live_notifications.1"):
        assert allowed_patterns(classify(pattern, 1), 1, frozenset()) == (pattern,)


def test_unknown_families_match_nothing_and_are_refused() -> None:
    with pytest.raises(Forbidden, match="matches no event"):
        allowed_patterns(classify("secrets.all", 1), 1, frozenset())


def test_with_authorization_off_patterns_are_taken_as_they_are() -> None:
    for pattern, user_id in (("changes.#", 1), ("web_notifications.9", 1), ("#", 1)):
        grant = classify(pattern, user_id, enforced=False)
        assert allowed_patterns(grant, user_id, frozenset()) == (pattern,)
    assert classify("live_notifications.9", 1, enforced=False).pattern == "live_notifications.1"
    grant = classify("changes.project.5.*", None, enforced=False)
    assert allowed_patterns(grant, None, frozenset()) == ("changes.project.5.#",)
    with pytest.raises(Forbidden):
        classify("notifications", None, enforced=False)


# intersect() against the definition: a key matches the result iff it matches both.

words = st.sampled_from(["changes", "project", "5", "6", "tasks", "task"])
wild_words = st.one_of(words, st.just("*"), st.just("#"))
fixed_words = st.one_of(words, st.just("*"))


@given(
    pattern=st.lists(wild_words, min_size=1, max_size=6),
    template=st.lists(fixed_words, min_size=1, max_size=5),
    key=st.lists(words, min_size=1, max_size=6),
)
def test_intersect_matches_exactly_what_both_match(
    pattern: list[str], template: list[str], key: list[str]
) -> None:
    result = intersect(".".join(pattern), tuple(template))
    routing_key = ".".join(key)
    expected = matches(".".join(pattern), routing_key) and matches(".".join(template), routing_key)
    assert any(matches(p, routing_key) for p in result) is expected
