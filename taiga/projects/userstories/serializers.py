from rest_framework import serializers

from taiga.projects.serializers import ProjectScopedSerializer

from .models import UserStory


class UserStorySerializer(ProjectScopedSerializer):
    """A user story. ``version`` is read back as the current version; sent with an update,
    it is the version the client last saw (see services.update_userstory)."""

    version = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = UserStory
        fields = [
            "id",
            "ref",
            "project",
            "subject",
            "description",
            "status",
            "owner",
            "assigned_to",
            "backlog_order",
            "kanban_order",
            "version",
            "created_date",
            "modified_date",
        ]
        read_only_fields = ["owner"]
        extra_kwargs = {"status": {"required": False}}
