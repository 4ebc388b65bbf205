from typing import Any

from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from taiga.projects.permissions import TASKS
from taiga.projects.services.bulk_update_order import update_orders_in_bulk
from taiga.projects.viewsets import ItemViewSet

from . import services
from .models import Task
from .serializers import TaskSerializer
from .validators import BULK_SERIALIZERS


class TaskViewSet(ItemViewSet):
    """``/api/v1/tasks``: lists accept ``?project=``, ``?status=``, ``?milestone=``,
    ``?user_story=`` and ``?assigned_to=``.

    Bulk operations: ``bulk_update_taskboard_order``, ``bulk_update_us_order`` (answer: the
    new orders), ``bulk_update_milestone``, ``bulk_update_status``,
    ``bulk_update_assigned_to`` (204).
    """

    queryset = Task.objects.prefetch_related("watchers")
    serializer_class = TaskSerializer
    permissions = TASKS
    filter_fields = {
        "status": "status",
        "milestone": "milestone",
        "user_story": "user_story",
        "assigned_to": "assigned_to",
    }
    bulk_serializers = BULK_SERIALIZERS

    def create_object(self, data: dict[str, Any]) -> Task:
        return services.create_task(owner=self.request.user, **data)

    def update_object(
        self, instance: Task, changes: dict[str, Any], expected_version: int | None
    ) -> Task:
        return services.update_task(
            instance, changes, expected_version=expected_version, by=self.request.user
        )

    def delete_object(self, instance: Task) -> None:
        services.delete_task(instance, by=self.request.user)

    @action(detail=False, methods=["post"])
    def bulk_update_taskboard_order(self, request: Request) -> Response:
        return self._reorder("taskboard_order")

    @action(detail=False, methods=["post"])
    def bulk_update_us_order(self, request: Request) -> Response:
        return self._reorder("us_order")

    @action(detail=False, methods=["post"])
    def bulk_update_milestone(self, request: Request) -> Response:
        return self.run_bulk(
            self.permissions.modify,
            lambda data: services.update_tasks_milestone_in_bulk(**data),
        )

    def _reorder(self, field: str) -> Response:
        return self.run_bulk(
            self.permissions.modify,
            lambda data: update_orders_in_bulk(data["project"], Task, field, data["orders"]),
        )
