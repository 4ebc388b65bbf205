"""The public emission API: every event leaves the backend through ``emit_event``.

Guarantee: an event emitted ``on_commit`` (the default) is written to the outbox in the
transaction of the change that caused it, so it exists if and only if that change was
saved, and the relay (``taiga.events.relay``) delivers it to the broker at least once,
whatever fails in between. Live notifications leave at once instead, before the commit, as
the seed says: they bypass the outbox and are sent on a best-effort basis.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import Any, Final, Literal

import orjson
from django.db import DEFAULT_DB_ALIAS, models, transaction

from . import backends
from .middleware import get_current_session_id
from .models import OutboxEvent
from .registry import type_name_for
from .relay import get_relay

logger = logging.getLogger(__name__)

ChangeType = Literal["create", "change", "delete"]
CHANGE_TYPES: Final = frozenset({"create", "change", "delete"})
_BULK_TYPES: Final = frozenset({"change", "delete"})


class _CurrentSession:
    """Default of ``session_id``: take it from the request being served."""

    def __repr__(self) -> str:
        return "CURRENT_SESSION"


CURRENT_SESSION: Final = _CurrentSession()


def emit_event(
    routing_key: str,
    data: dict[str, Any],
    *,
    session_id: str | _CurrentSession | None = CURRENT_SESSION,
    on_commit: bool = True,
    using: str | None = None,
) -> str:
    """Send ``{"session_id", "data", "event_id"}`` on ``routing_key``; returns the event_id.

    With ``on_commit`` (the default) the event is written to the outbox of database
    ``using`` in the current transaction and leaves once it commits, not at all if it rolls
    back; outside a transaction it leaves at once. ``session_id`` defaults to the
    ``x-session-id`` of the current request. The broker is never waited for: a broker that
    is down delays the event, never the user's request.
    """
    if session_id is CURRENT_SESSION:
        session_id = get_current_session_id()
    event_id = uuid.uuid4().hex
    message = {"session_id": session_id, "data": data, "event_id": event_id}
    if on_commit:
        using = using or DEFAULT_DB_ALIAS
        OutboxEvent.objects.using(using).create(
            event_id=event_id, routing_key=routing_key, message=orjson.dumps(message).decode()
        )
        _relay_at_commit(using)
    else:
        try:
            backends.publish(routing_key, message)
        except Exception:
            logger.exception("could not emit event on %s", routing_key)
    return event_id


def _relay_at_commit(using: str) -> None:
    """Wake the relay once the transaction commits: once, however many events it emits
    (a callback of a savepoint rolled back since is gone from the list, so it is added
    again)."""
    committed = get_relay(using).committed
    pending = transaction.get_connection(using).run_on_commit
    if not any(callback == committed for _, callback, _ in pending):
        transaction.on_commit(committed, using=using)


def changes_routing_key(project_id: int, type_name: str) -> str:
    return f"changes.project.{project_id}.{type_name}"


def emit_event_for_model(
    obj: models.Model,
    *,
    type: ChangeType = "change",
    content_type: str | None = None,
    session_id: str | _CurrentSession | None = CURRENT_SESSION,
) -> None:
    """Emit a change event for one object of a project (``obj.project_id``).

    ``content_type`` defaults to the type name the model was registered with.
    """
    if type not in CHANGE_TYPES:
        raise ValueError(f"type must be one of {sorted(CHANGE_TYPES)}, got {type!r}")
    content_type = content_type or type_name_for(obj.__class__)
    if content_type is None:
        raise ValueError(f"{obj.__class__.__name__} is not watched; pass content_type")
    data = {"type": type, "matches": content_type, "pk": obj.pk}
    emit_event(changes_routing_key(obj.project_id, content_type), data, session_id=session_id)


def emit_event_for_ids(
    ids: Iterable[int],
    *,
    content_type: str,
    project_id: int,
    type: ChangeType = "change",
    session_id: str | _CurrentSession | None = CURRENT_SESSION,
) -> None:
    """Emit one event for a bulk operation: ``pk`` is the list of affected ids.

    For ``change`` and ``delete`` only: a created object gets an event of its own
    (``emit_event_for_model``), as the seed's clients fetch one ``pk`` per ``create``.
    """
    if type not in _BULK_TYPES:
        raise ValueError(f"type must be one of {sorted(_BULK_TYPES)}, got {type!r}")
    data = {"type": type, "matches": content_type, "pk": list(ids)}
    emit_event(changes_routing_key(project_id, content_type), data, session_id=session_id)


def emit_event_for_user_notification(
    user_id: int,
    data: dict[str, Any],
    *,
    session_id: str | _CurrentSession | None = CURRENT_SESSION,
) -> None:
    """Send a web notification (the seed's section 3 shape) to one user, after commit."""
    emit_event(f"web_notifications.{user_id}", data, session_id=session_id)


LIVE_NOTIFICATION_TIMEOUT_MS = 10_000
_VERBS = {"create": "created", "change": "updated", "delete": "deleted"}


def live_notification_data(
    obj: models.Model,
    *,
    type: ChangeType,
    history_id: int,
    url: str,
    by: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``{title, body, url, timeout, id}``: "User story #42 created", "Project - subject";
    with ``by`` (who made the change, e.g. ``{id, username, full_name, photo}``) added as
    ``"by"``, a field the seed's shape does not have and its clients ignore."""
    if type not in CHANGE_TYPES:
        raise ValueError(f"type must be one of {sorted(CHANGE_TYPES)}, got {type!r}")
    label = str(obj._meta.verbose_name)
    ref = getattr(obj, "ref", None)
    name = f"#{ref}" if ref is not None else getattr(obj, "slug", None) or f"#{obj.pk}"
    subject = getattr(obj, "subject", None) or getattr(obj, "name", None) or name
    return {
        "title": f"{label[:1].upper()}{label[1:]} {name} {_VERBS[type]}",
        "body": f"{obj.project.name} - {subject}",
        "url": url,
        "timeout": LIVE_NOTIFICATION_TIMEOUT_MS,
        "id": history_id,
        **({"by": by} if by is not None else {}),
    }


def emit_live_notification_for_model(
    obj: models.Model,
    user_id: int,
    *,
    type: ChangeType,
    history_id: int,
    url: str,
    by: dict[str, Any] | None = None,
    session_id: str | _CurrentSession | None = CURRENT_SESSION,
) -> None:
    """Send a browser notification about ``obj`` to one user at once (``on_commit=False``).

    Sent without waiting for the commit, as the seed says: if the transaction then rolls
    back, the user has been told of a change that did not happen (the item, when opened,
    shows as it really is).
    """
    emit_event(
        f"live_notifications.{user_id}",
        live_notification_data(obj, type=type, history_id=history_id, url=url, by=by),
        session_id=session_id,
        on_commit=False,
    )


def emit_system_notification(title: str, description: str) -> str:
    """Send a system-wide message on ``notifications``, with no session; returns its
    event_id. It goes through the outbox, so that whichever process runs the relay
    delivers it, and at once unless called inside a transaction."""
    return emit_event("notifications", {"title": title, "desc": description}, session_id=None)
