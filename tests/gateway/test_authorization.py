import pytest

from taiga_events.authorization import Forbidden, Grant, authorize


def test_anonymous_may_ask_for_project_changes_only() -> None:
    assert authorize("changes.project.5.#", None) == Grant("changes.project.5.#", 5)
    assert authorize("changes.project.12", None) == Grant("changes.project.12", 12)
    for pattern in ("web_notifications.1", "live_notifications.1", "notifications", "#"):
        with pytest.raises(Forbidden) as raised:
            authorize(pattern, None)
        assert raised.value.needs_auth


def test_web_notifications_only_for_the_own_user() -> None:
    assert authorize("web_notifications.42", 42) == Grant("web_notifications.42")
    with pytest.raises(Forbidden):
        authorize("web_notifications.43", 42)
    with pytest.raises(Forbidden):
        authorize("web_notifications.*", 42)


def test_live_notifications_are_pinned_to_the_own_user() -> None:
    assert authorize("live_notifications.7", 42) == Grant("live_notifications.42")
    assert authorize("live_notifications.*", 42) == Grant("live_notifications.42")
    assert authorize("live_notifications", 42) == Grant("live_notifications.42")


def test_authenticated_users_may_follow_system_notifications_and_changes() -> None:
    assert authorize("notifications", 1) == Grant("notifications")
    assert authorize("changes.project.5.tasks.task", 1) == Grant("changes.project.5.tasks.task", 5)
    assert authorize("changes.#", 1) == Grant("changes.#")


def test_unknown_families_are_refused() -> None:
    with pytest.raises(Forbidden, match="unknown routing key family"):
        authorize("secrets.all", 1)
