from rest_framework import serializers

from taiga.projects.serializers import WorkItemSerializer, work_item_fields

from .models import UserStory


class UserStorySerializer(WorkItemSerializer):
    """A user story; without ``status``, it goes to the project's first.

    ``task_counts`` (read only) is how far its tasks are, as a kanban card shows it:
    ``{"total": …, "closed": …}``, closed meaning in a closed task status.
    """

    task_counts = serializers.SerializerMethodField()

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
            "task_counts",
        )

    def get_task_counts(self, story: UserStory) -> dict[str, int]:
        # Reads the tasks prefetched with their statuses (the viewset's queryset) if any.
        closed = [task.status.is_closed for task in story.tasks.all()]
        return {"total": len(closed), "closed": sum(closed)}
