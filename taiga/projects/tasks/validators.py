"""Bodies of the task bulk operations, resolved to objects of one project."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from taiga.projects.validators import (
    BulkSerializer,
    bulk_change_serializers,
    orders_field,
    resolve_one,
    resolve_orders,
)

from .models import Task


class TasksOrderSerializer(BulkSerializer):
    """``bulk_update_taskboard_order`` and ``bulk_update_us_order``: ``{"project_id",
    "bulk_tasks": [{"task_id", "order"}]}``."""

    bulk_tasks = orders_field("task_id")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        project = attrs["project"]
        orders = resolve_orders(project.tasks, attrs["bulk_tasks"], "task_id", "bulk_tasks", "task")
        return {"project": project, "orders": orders}


class TasksMilestoneSerializer(TasksOrderSerializer):
    """``bulk_update_milestone``: as the orders, and ``milestone_id`` to move them into."""

    milestone_id = serializers.IntegerField(min_value=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        milestones = attrs["project"].milestones
        milestone = resolve_one(milestones, attrs["milestone_id"], "milestone_id", "milestone")
        return {**super().validate(attrs), "milestone": milestone}


BULK_SERIALIZERS = {
    "bulk_update_taskboard_order": TasksOrderSerializer,
    "bulk_update_us_order": TasksOrderSerializer,
    "bulk_update_milestone": TasksMilestoneSerializer,
    **bulk_change_serializers(Task, "bulk_tasks", lambda project: project.task_statuses),
}
