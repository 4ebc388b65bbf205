from taiga.projects.serializers import WorkItemSerializer, work_item_fields

from .models import UserStory


class UserStorySerializer(WorkItemSerializer):
    """A user story; without ``status``, it goes to the project's first."""

    class Meta(WorkItemSerializer.Meta):
        model = UserStory
        fields = work_item_fields(
            "status",
            "milestone",
            "swimlane",
            "assigned_users",
            "backlog_order",
            "sprint_order",
            "kanban_order",
        )
