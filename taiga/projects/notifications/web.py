"""Web notifications (``web_notifications.{user_id}``): stored, sent after commit, read.

Each tells one person that someone (``by``) assigned them, mentioned them, made them a
watcher or a member, or commented on an item they watch. Never the one who acted, and only
people who may view the item.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import models
from django.utils import timezone

from taiga.events.events import emit_event_for_user_notification
from taiga.events.registry import type_name_for
from taiga.projects.history.models import HistoryEntry
from taiga.projects.models import Membership, Project
from taiga.projects.permissions import may_view
from taiga.users.models import User
from taiga.users.serializers import user_summary

from .choices import WebNotificationType
from .involvement import Involvement, newly_involved
from .mentions import mentioned_members
from .models import WebNotification
from .recipients import others


def notification_data(
    kind: WebNotificationType,
    *,
    by: User | None,
    project: Project,
    item: models.Model | None,
    created: datetime,
) -> dict[str, Any]:
    """The event's data, as the seed's section 3: ``{type, user, project, object, created}``
    (``object`` is null for what concerns the whole project)."""
    return {
        "type": str(kind),
        "user": user_summary(by),
        "project": {"id": project.pk, "name": project.name, "slug": project.slug},
        "object": None
        if item is None
        else {
            "id": item.pk,
            "ref": getattr(item, "ref", None),
            "subject": getattr(item, "subject", None),
            "content_type": type_name_for(type(item)),
        },
        "created": created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def notify(
    kind: WebNotificationType,
    user_ids: Iterable[int],
    *,
    by: User | None,
    project: Project,
    item: models.Model | None = None,
) -> list[WebNotification]:
    """Store a web notification for each of ``user_ids`` (active, not ``by``, who may view
    ``item``) and send it when the transaction commits."""
    recipients = User.objects.filter(
        pk__in=others(user_ids, actor_id=getattr(by, "pk", None)), is_active=True
    ).order_by("pk")
    recipients = [user for user in recipients if item is None or may_view(user, item)]
    if not recipients:
        return []
    # Stored and sent alike, to the second, as the seed's "created" is.
    created = timezone.now().replace(microsecond=0)
    data = notification_data(kind, by=by, project=project, item=item, created=created)
    stored = WebNotification.objects.bulk_create(
        [WebNotification(user=user, type=kind, data=data, created=created) for user in recipients]
    )
    for user in recipients:
        emit_event_for_user_notification(user.pk, data)
    return stored


def notify_new_involvement(
    item: models.Model, *, before: Involvement | None, after: Involvement, by: User | None
) -> None:
    """Tell the people a create or change made assigned, watchers or mentioned."""
    for kind, user_ids in newly_involved(before, after).items():
        notify(kind, user_ids, by=by, project=item.project, item=item)


def notify_assigned(items: Sequence[models.Model], user: User, *, by: User | None) -> None:
    """Tell ``user`` of each item a bulk assignment gave them."""
    for item in items:
        notify(WebNotificationType.ASSIGNED, [user.pk], by=by, project=item.project, item=item)


def notify_member_added(membership: Membership, *, by: User | None) -> None:
    notify(
        WebNotificationType.ADDED_AS_MEMBER,
        [membership.user_id],
        by=by,
        project=membership.project,
    )


def notify_comment(item: models.Model, entry: HistoryEntry, *, by: User | None) -> None:
    """Tell the members a comment mentions, and the item's other watchers."""
    mentioned = mentioned_members(item.project, entry.comment)
    notify(
        WebNotificationType.MENTIONED_IN_COMMENT, mentioned, by=by, project=item.project, item=item
    )
    watchers = set(item.watchers.values_list("pk", flat=True)) - mentioned
    notify(WebNotificationType.COMMENT, watchers, by=by, project=item.project, item=item)


def mark_as_read(notification: WebNotification) -> WebNotification:
    """Mark one notification read (keeping when, if it already was)."""
    if notification.read is None:
        notification.read = timezone.now()
        notification.save(update_fields=["read"])
    return notification


def mark_all_as_read(user: User) -> int:
    """Mark every unread notification of ``user`` read; how many there were."""
    return WebNotification.objects.filter(user=user, read__isnull=True).update(read=timezone.now())
