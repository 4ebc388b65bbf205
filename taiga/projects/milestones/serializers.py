from typing import Any

from rest_framework import serializers

from taiga.projects.serializers import ProjectScopedSerializer

from .models import Milestone


class MilestoneSerializer(ProjectScopedSerializer):
    """A sprint; its slug is made from its name, unique in the project."""

    class Meta:
        model = Milestone
        fields = [
            "id",
            "project",
            "name",
            "slug",
            "owner",
            "estimated_start",
            "estimated_finish",
            "closed",
            "order",
            "created_date",
            "modified_date",
        ]
        read_only_fields = ["slug", "owner"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start = attrs.get("estimated_start", getattr(self.instance, "estimated_start", None))
        finish = attrs.get("estimated_finish", getattr(self.instance, "estimated_finish", None))
        if start and finish and start > finish:
            raise serializers.ValidationError(
                {"estimated_finish": "The sprint cannot finish before it starts."}
            )
        return attrs
