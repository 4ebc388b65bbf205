from taiga.projects.serializers import WorkItemSerializer, work_item_fields

from .models import Task


class TaskSerializer(WorkItemSerializer):
    """A task; without ``status``, it takes the project's first task status."""

    class Meta(WorkItemSerializer.Meta):
        model = Task
        fields = work_item_fields(
            "user_story", "milestone", "status", "us_order", "taskboard_order"
        )
