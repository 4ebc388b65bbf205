"""Bodies of the epic bulk operations, resolved to objects of one project."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

from taiga.projects.validators import (
    BulkSerializer,
    bulk_change_serializers,
    orders_field,
    resolve_orders,
)

from .models import Epic


class EpicsOrderSerializer(BulkSerializer):
    """``bulk_update_epic_order``: ``{"project_id", "bulk_epics": [{"epic_id", "order"}]}``."""

    bulk_epics = orders_field("epic_id")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        project = attrs["project"]
        orders = resolve_orders(project.epics, attrs["bulk_epics"], "epic_id", "bulk_epics", "epic")
        return {"project": project, "orders": orders}


class RelatedUserStoriesOrderSerializer(serializers.Serializer):
    """``related_userstories/bulk_update_order``: ``{"bulk_userstories": [{"us_id",
    "order"}]}``, user stories already in the epic (``context["epic"]``)."""

    bulk_userstories = orders_field("us_id")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        epic = self.context["epic"]
        orders = resolve_orders(
            epic.user_stories.all(),
            attrs["bulk_userstories"],
            "us_id",
            "bulk_userstories",
            "user story of this epic",
        )
        return {"epic": epic, "orders": orders}


class RelatedUserStoriesBulkCreateSerializer(serializers.Serializer):
    """``related_userstories/bulk_create``: ``{"project_id", "bulk_userstories": "one
    subject\\nper line"}`` (the original Taiga's form)."""

    project_id = serializers.IntegerField(required=False)
    bulk_userstories = serializers.CharField(max_length=settings.API_MAX_BODY_BYTES)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        epic = self.context["epic"]
        if attrs.get("project_id", epic.project_id) != epic.project_id:
            raise serializers.ValidationError({"project_id": "This is not the epic's project."})
        subjects = [line.strip() for line in attrs["bulk_userstories"].splitlines()]
        subjects = [subject[:500] for subject in subjects if subject]
        if not subjects:
            raise serializers.ValidationError({"bulk_userstories": "Give one subject per line."})
        if len(subjects) > settings.API_MAX_BULK_ITEMS:
            raise serializers.ValidationError(
                {"bulk_userstories": f"At most {settings.API_MAX_BULK_ITEMS} lines."}
            )
        return {"epic": epic, "subjects": subjects}


BULK_SERIALIZERS = {
    "bulk_update_epic_order": EpicsOrderSerializer,
    **bulk_change_serializers(Epic, "bulk_epics", lambda project: project.epic_statuses),
}
