"""The triggers of notifications: receivers of what the project services announce
(``taiga.projects.signals``), each handing over to the service that notifies."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from taiga.projects.signals import commented, item_changed, items_assigned, member_added

from . import services, web


@receiver(item_changed, dispatch_uid="notifications_live")
def send_live_notifications(sender: type, *, item, entry, before, after, by, **_: Any) -> None:
    services.send_live_notifications(item, entry, before=before, after=after, by=by)


@receiver(item_changed, dispatch_uid="notifications_involvement")
def notify_new_involvement(sender: type, *, item, entry, before, after, by, **_: Any) -> None:
    if after is not None:
        web.notify_new_involvement(item, before=before, after=after, by=by)


@receiver(items_assigned, dispatch_uid="notifications_assigned_in_bulk")
def notify_assigned(sender: type, *, items, user, by, **_: Any) -> None:
    web.notify_assigned(items, user, by=by)


@receiver(member_added, dispatch_uid="notifications_member_added")
def notify_member_added(sender: type, *, membership, by, **_: Any) -> None:
    web.notify_member_added(membership, by=by)


@receiver(commented, dispatch_uid="notifications_comment")
def notify_comment(sender: type, *, item, entry, by, **_: Any) -> None:
    web.notify_comment(item, entry, by=by)
