"""The values of notify policies and the types of web notifications, with the original
Taiga's numbers."""

from django.db import models


class NotifyLevel(models.IntegerChoices):
    """Which changes of a project's items someone gets live notifications of."""

    INVOLVED = 1, "involved"  # items they own, are assigned to, watch or are mentioned in
    ALL = 2, "all"  # every item they may view
    NONE = 3, "none"  # none


DEFAULT_NOTIFY_LEVEL = NotifyLevel.INVOLVED


class WebNotificationType(models.TextChoices):
    """Why someone gets a web notification (the ``type`` of its data)."""

    ASSIGNED = "assigned"
    MENTIONED = "mentioned"
    ADDED_AS_WATCHER = "added_as_watcher"
    ADDED_AS_MEMBER = "added_as_member"
    COMMENT = "comment"
    MENTIONED_IN_COMMENT = "mentioned_in_comment"


# The original Taiga's ``event_type`` of each, which the API also gives.
EVENT_TYPES = {
    WebNotificationType.ASSIGNED: 1,
    WebNotificationType.MENTIONED: 2,
    WebNotificationType.ADDED_AS_WATCHER: 3,
    WebNotificationType.ADDED_AS_MEMBER: 4,
    WebNotificationType.COMMENT: 5,
    WebNotificationType.MENTIONED_IN_COMMENT: 6,
}
