"""Model changes become events after commit, in commit order, with the request's session."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from rest_framework.test import APIClient

from taiga.auth.tokens import issue_access_token
from taiga.events import events as emission
from taiga.events.backends import get_events_backend, reset_events_backend
from taiga.events.middleware import (
    get_current_session_id,
    reset_current_session_id,
    set_current_session_id,
)
from taiga.events.models import OutboxEvent
from taiga.events.relay import Relay
from taiga.projects.userstories import services as userstory_services
from taiga.projects.userstories.models import UserStory
from tests.events.conftest import Captured


def _key(project) -> str:
    return f"changes.project.{project.pk}.userstories.userstory"


def test_create_change_delete_of_a_user_story(project, owner, events: Captured) -> None:
    token = set_current_session_id("session-1")
    try:
        story = userstory_services.create_userstory(project=project, owner=owner, subject="A")
        story.subject = "B"
        story.save()
        pk = story.pk
        story.delete()
    finally:
        reset_current_session_id(token)
    assert events == [
        (_key(project), {"session_id": "session-1", "data": {"type": t, "matches": m, "pk": pk}})
        for t, m in [
            ("create", "userstories.userstory"),
            ("change", "userstories.userstory"),
            ("delete", "userstories.userstory"),
        ]
    ]


def test_unwatched_models_emit_nothing(project, events: Captured) -> None:
    project.name = "Renamed"
    project.save()
    assert events == []


def test_a_rolled_back_transaction_emits_nothing(project, owner, events: Captured) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        userstory_services.create_userstory(project=project, owner=owner, subject="A")
        raise RuntimeError("roll back")
    assert events == []
    assert not UserStory.objects.exists()


def test_events_leave_only_at_commit(project, owner, events: Captured) -> None:
    with transaction.atomic():
        story = userstory_services.create_userstory(project=project, owner=owner, subject="A")
        assert events == []
    assert events.data() == [{"type": "create", "matches": "userstories.userstory", "pk": story.pk}]


def test_a_rolled_back_savepoint_drops_only_its_events(project, owner, events: Captured) -> None:
    with transaction.atomic():
        kept = userstory_services.create_userstory(project=project, owner=owner, subject="A")
        with pytest.raises(RuntimeError), transaction.atomic():
            userstory_services.create_userstory(project=project, owner=owner, subject="B")
            raise RuntimeError("roll back the savepoint")
    assert [d["pk"] for d in events.data()] == [kept.pk]


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite has one writer at a time: two transactions that write cannot interleave",
)
def test_events_arrive_in_commit_order_not_call_order(transactional_db, events) -> None:
    first_emitted = threading.Event()
    second_committed = threading.Event()

    def first_transaction() -> None:
        with transaction.atomic():
            emission.emit_event("changes.project.1.tasks.task", {"n": "emitted first"})
            first_emitted.set()
            second_committed.wait(timeout=10)

    thread = threading.Thread(target=first_transaction)
    thread.start()
    assert first_emitted.wait(timeout=10)
    with transaction.atomic():
        emission.emit_event("changes.project.1.tasks.task", {"n": "emitted second"})
    second_committed.set()
    thread.join(timeout=10)
    assert [d["n"] for d in events.data()] == ["emitted second", "emitted first"]


def test_on_commit_false_sends_at_once(transactional_db, events: Captured) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        emission.emit_event("live_notifications.3", {"title": "now"}, on_commit=False)
        assert events.keys() == ["live_notifications.3"]
        raise RuntimeError("roll back")
    assert events.keys() == ["live_notifications.3"]


def test_bulk_event_carries_every_id(transactional_db, events: Captured) -> None:
    emission.emit_event_for_ids(
        [1, 2, 3], content_type="userstories.userstory", project_id=5, session_id="s"
    )
    assert events == [
        (
            "changes.project.5.userstories.userstory",
            {
                "session_id": "s",
                "data": {"type": "change", "matches": "userstories.userstory", "pk": [1, 2, 3]},
            },
        )
    ]


def test_emit_event_for_model_checks_its_arguments(project, owner) -> None:
    story = userstory_services.create_userstory(project=project, owner=owner, subject="A")
    with pytest.raises(ValueError, match="type must be one of"):
        emission.emit_event_for_model(story, type="update")
    with pytest.raises(ValueError, match="not watched"):
        emission.emit_event_for_model(project)


def test_session_id_comes_from_the_request_header(project, owner, events: Captured) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_access_token(owner)}")
    status = project.us_statuses.first()
    body = {"project": project.pk, "subject": "Test", "status": status.pk}
    assert (
        client.post("/api/v1/userstories", body, format="json", HTTP_X_SESSION_ID="abc").status_code
        == 201
    )
    assert client.post("/api/v1/userstories", body, format="json").status_code == 201
    absurd = "x" * 500
    assert (
        client.post(
            "/api/v1/userstories", body, format="json", HTTP_X_SESSION_ID=absurd
        ).status_code
        == 201
    )
    assert [envelope["session_id"] for _, envelope in events] == ["abc", None, None]
    assert get_current_session_id() is None


def test_system_notification_command(transactional_db, events: Captured) -> None:
    call_command("emit_notification_message", "--title", "Maintenance", "--desc", "At 2 AM")
    call_command("emit_notification_message", "Old form", "Positional description")
    assert events == [
        (
            "notifications",
            {"session_id": None, "data": {"title": "Maintenance", "desc": "At 2 AM"}},
        ),
        (
            "notifications",
            {"session_id": None, "data": {"title": "Old form", "desc": "Positional description"}},
        ),
    ]
    with pytest.raises(CommandError, match="usage"):
        call_command("emit_notification_message", "--title", "No description")


def test_a_wrong_backend_setting_fails_clearly(settings) -> None:
    settings.EVENTS_PUSH_BACKEND = "taiga.events.backends.nowhere.EventsPushBackend"
    with pytest.raises(ImproperlyConfigured, match="cannot be imported"):
        get_events_backend()
    settings.EVENTS_PUSH_BACKEND = "taiga.projects.models.Project"
    with pytest.raises(ImproperlyConfigured, match="not a BaseEventsPushBackend"):
        get_events_backend()
    settings.EVENTS_PUSH_BACKEND_OPTIONS = "amqp://"
    settings.EVENTS_PUSH_BACKEND = "taiga.events.backends.memory.EventsPushBackend"
    with pytest.raises(ImproperlyConfigured, match="must be a dict"):
        get_events_backend()
    reset_events_backend()


def test_a_broker_failure_does_not_break_the_request(project, owner, settings, caplog) -> None:
    settings.EVENTS_PUSH_BACKEND = "taiga.events.backends.rabbitmq.EventsPushBackend"
    settings.EVENTS_PUSH_BACKEND_URL = "amqp://guest:guest@127.0.0.1:1/"
    settings.EVENTS_RELAY_IN_PROCESS = False
    OutboxEvent.objects.all().delete()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_access_token(owner)}")
    body = {"project": project.pk, "subject": "Saved anyway"}
    response = client.post("/api/v1/userstories", body, format="json")
    assert response.status_code == 201
    assert UserStory.objects.filter(pk=response.json()["id"]).exists()
    # The event is not lost: it waits in the outbox, and the relay fails without raising
    # into anyone's request.
    assert [row.routing_key for row in OutboxEvent.objects.all()] == [_key(project)]
    with pytest.raises(OSError):
        Relay().relay_pass()
    assert OutboxEvent.objects.count() == 1
    assert "Bearer" not in caplog.text


def test_web_notification_goes_to_the_user_after_commit(transactional_db, events) -> None:
    data = {"type": "assigned", "user": {"id": 42}, "created": "2026-01-05T10:30:00Z"}
    with transaction.atomic():
        emission.emit_event_for_user_notification(42, data, session_id="s")
        assert events == []
    assert events == [("web_notifications.42", {"session_id": "s", "data": data})]


def test_live_notification_is_sent_at_once_with_the_seed_shape(
    project, owner, events: Captured
) -> None:
    story = userstory_services.create_userstory(project=project, owner=owner, subject="Login")
    events.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        emission.emit_live_notification_for_model(
            story, 7, type="create", history_id=12345, url="https://x/us/1", session_id="s"
        )
        raise RuntimeError("the transaction rolls back; the live notification is out already")
    assert events == [
        (
            "live_notifications.7",
            {
                "session_id": "s",
                "data": {
                    "title": f"User story #{story.ref} created",
                    "body": f"{project.name} - Login",
                    "url": "https://x/us/1",
                    "timeout": 10000,
                    "id": 12345,
                },
            },
        )
    ]
    with pytest.raises(ValueError, match="type must be one of"):
        emission.emit_live_notification_for_model(
            story, 7, type="moved", history_id=1, url="https://x"
        )


def test_imports_and_fixture_loads_emit_nothing(project, owner, events: Captured) -> None:
    story = UserStory(project=project, owner=owner, subject="Imported", ref=999)
    story.status = project.us_statuses.first()
    story._importing = True
    story.save()
    story.delete()
    assert events == []
