from taiga.projects.serializers import WorkItemSerializer, work_item_fields

from .models import Issue


class IssueSerializer(WorkItemSerializer):
    """An issue; status, type, priority and severity default to the project's first of
    each."""

    class Meta(WorkItemSerializer.Meta):
        model = Issue
        fields = work_item_fields("status", "type", "priority", "severity", "milestone")
        extra_kwargs = {
            name: {"required": False} for name in ("status", "type", "priority", "severity")
        }
