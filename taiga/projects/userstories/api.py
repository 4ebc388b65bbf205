from typing import Any

from django.db.models import Prefetch
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from taiga.projects.models import Project
from taiga.projects.permissions import USERSTORIES
from taiga.projects.services import bulk_update_order
from taiga.projects.tasks.models import Task
from taiga.projects.viewsets import ItemViewSet
from taiga.users.models import User

from . import services
from .models import UserStory
from .serializers import UserStorySerializer
from .validators import BULK_SERIALIZERS


class UserStoryViewSet(ItemViewSet):
    """``/api/v1/userstories``: lists accept ``?project=``, ``?status=``, ``?milestone=``
    (``null``: the backlog), ``?swimlane=``, ``?assigned_to=`` and ``?epic=``.

    Bulk operations (``POST``, one transaction, one event per kind of object changed):
    ``bulk_update_backlog_order``, ``bulk_update_sprint_order``,
    ``bulk_update_kanban_order`` (answer: the new orders), ``bulk_update_milestone``,
    ``bulk_update_status``, ``bulk_update_assigned_to`` (204).
    """

    queryset = UserStory.objects.prefetch_related(
        "assigned_users", "watchers", Prefetch("tasks", Task.objects.select_related("status"))
    )
    serializer_class = UserStorySerializer
    permissions = USERSTORIES
    filter_fields = {
        "status": "status",
        "milestone": "milestone",
        "swimlane": "swimlane",
        "assigned_to": "assigned_to",
        "epic": "epics",
    }
    bulk_serializers = BULK_SERIALIZERS

    def create_object(self, data: dict[str, Any]) -> UserStory:
        return services.create_userstory(owner=self.request.user, **data)

    def update_object(
        self, instance: UserStory, changes: dict[str, Any], expected_version: int | None
    ) -> UserStory:
        return services.update_userstory(
            instance, changes, expected_version=expected_version, by=self.request.user
        )

    def delete_object(self, instance: UserStory) -> None:
        services.delete_userstory(instance, by=self.request.user)

    @action(detail=False, methods=["post"])
    def bulk_update_backlog_order(self, request: Request) -> Response:
        return self.run_bulk(self.permissions.modify, self._backlog_order)

    @action(detail=False, methods=["post"])
    def bulk_update_sprint_order(self, request: Request) -> Response:
        return self.run_bulk(self.permissions.modify, self._backlog_order)

    @action(detail=False, methods=["post"])
    def bulk_update_kanban_order(self, request: Request) -> Response:
        return self.run_bulk(
            self.permissions.modify,
            lambda data: bulk_update_order.update_userstories_kanban_order(**data),
        )

    @action(detail=False, methods=["post"])
    def bulk_update_milestone(self, request: Request) -> Response:
        return self.run_bulk(
            self.permissions.modify,
            lambda data: services.update_userstories_milestone_in_bulk(**data),
        )

    def assign_in_bulk(self, project: Project, objects: list[UserStory], user: User | None) -> None:
        services.assign_userstories_in_bulk(project, objects, user, by=self.request.user)

    @staticmethod
    def _backlog_order(data: dict[str, Any]) -> list[dict]:
        return bulk_update_order.update_userstories_backlog_order(**data)
