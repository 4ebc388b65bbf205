from typing import Any

from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from taiga.projects.permissions import ISSUES
from taiga.projects.viewsets import ItemViewSet

from . import services
from .models import Issue
from .serializers import IssueSerializer
from .validators import BULK_SERIALIZERS


class IssueViewSet(ItemViewSet):
    """``/api/v1/issues``: lists accept ``?project=``, ``?status=``, ``?type=``,
    ``?priority=``, ``?severity=``, ``?milestone=`` and ``?assigned_to=``.

    Bulk operations (204): ``bulk_update_milestone``, ``bulk_update_status``,
    ``bulk_update_assigned_to``.
    """

    queryset = Issue.objects.prefetch_related("watchers")
    serializer_class = IssueSerializer
    permissions = ISSUES
    filter_fields = {
        name: name
        for name in ("status", "type", "priority", "severity", "milestone", "assigned_to")
    }
    bulk_serializers = BULK_SERIALIZERS

    def create_object(self, data: dict[str, Any]) -> Issue:
        return services.create_issue(owner=self.request.user, **data)

    def update_object(
        self, instance: Issue, changes: dict[str, Any], expected_version: int | None
    ) -> Issue:
        return services.update_issue(
            instance, changes, expected_version=expected_version, by=self.request.user
        )

    def delete_object(self, instance: Issue) -> None:
        services.delete_issue(instance, by=self.request.user)

    @action(detail=False, methods=["post"])
    def bulk_update_milestone(self, request: Request) -> Response:
        return self.run_bulk(self.permissions.modify, self.change_in_bulk)
