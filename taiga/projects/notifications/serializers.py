from rest_framework import serializers

from taiga.users.models import User

from .choices import EVENT_TYPES
from .models import NotifyPolicy, WebNotification


class NotifyPolicySerializer(serializers.ModelSerializer):
    """A user's notify policy for one project: ``notify_level`` 1 (involved), 2 (all) or 3
    (none), as the original Taiga; only it changes."""

    project_name = serializers.CharField(source="project.name", read_only=True)

    class Meta:
        model = NotifyPolicy
        fields = ["id", "project", "project_name", "notify_level"]
        read_only_fields = ["project"]


class WebNotificationSerializer(serializers.ModelSerializer):
    """A stored web notification: ``data`` is what the event carried; ``event_type`` the
    original Taiga's number of its type; ``read`` when it was marked read, or null."""

    event_type = serializers.SerializerMethodField()

    class Meta:
        model = WebNotification
        fields = ["id", "event_type", "user", "data", "created", "read"]
        read_only_fields = fields

    def get_event_type(self, notification: WebNotification) -> int:
        return EVENT_TYPES[notification.type]


class WatcherSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "full_name"]
        read_only_fields = fields
