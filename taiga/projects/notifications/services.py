"""Live notifications (``live_notifications.{user_id}``): browser notifications of the
creation, change and deletion of user stories, tasks, issues, wiki pages and milestones.

They go to the people who may view the item, by each one's notify policy for its project
(all, involved, none), never to the one who made the change. They are sent at once, without
waiting for the transaction to commit, as the seed says: if it then rolls back, people have
been told of a change that did not happen (their client, fetching the item, sees it as it
really is), and the ``id`` they got names a history entry that was never kept.
"""

from __future__ import annotations

from django.db import models

from taiga.events.events import emit_live_notification_for_model
from taiga.projects.history.models import HistoryEntry
from taiga.projects.permissions import may_view
from taiga.users.models import User
from taiga.users.serializers import user_summary

from .involvement import NOBODY, Involvement
from .links import front_url
from .policies import levels_in
from .recipients import live_recipients

LIVE_CONTENT_TYPES = frozenset(
    {
        "userstories.userstory",
        "tasks.task",
        "issues.issue",
        "wiki.wiki_page",
        "milestones.milestone",
    }
)


def send_live_notifications(
    item: models.Model,
    entry: HistoryEntry,
    *,
    before: Involvement | None,
    after: Involvement | None,
    by: User | None,
) -> None:
    """Tell, live, whoever should know of the change ``entry`` records.

    The involved are those involved before or after the change (someone unassigned learns
    of it too).
    """
    if entry.content_type not in LIVE_CONTENT_TYPES:
        return
    involved = (before or NOBODY).people | (after or NOBODY).people
    user_ids = live_recipients(levels_in(item.project), involved, actor_id=getattr(by, "pk", None))
    url = front_url(item, deleted=entry.type == HistoryEntry.Type.DELETE)
    actor = user_summary(by)
    for user in User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"):
        if may_view(user, item):
            emit_live_notification_for_model(
                item, user.pk, type=entry.type, history_id=entry.pk, url=url, by=actor
            )
