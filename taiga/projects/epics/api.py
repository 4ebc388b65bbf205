from __future__ import annotations

from functools import cached_property
from typing import Any

from django.shortcuts import get_object_or_404
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from taiga.projects.models import Project
from taiga.projects.permissions import EPICS, USERSTORIES, ActionPermissions, projects_where
from taiga.projects.services.bulk_update_order import update_orders_in_bulk
from taiga.projects.viewsets import ItemViewSet, ProjectScopedViewSet

from . import services
from .models import Epic, RelatedUserStory
from .serializers import EpicSerializer, RelatedUserStorySerializer
from .validators import (
    BULK_SERIALIZERS,
    RelatedUserStoriesBulkCreateSerializer,
    RelatedUserStoriesOrderSerializer,
)


class EpicViewSet(ItemViewSet):
    """``/api/v1/epics``: lists accept ``?project=``, ``?status=`` and ``?assigned_to=``.

    Bulk operations: ``bulk_update_epic_order`` (answer: the new orders),
    ``bulk_update_status``, ``bulk_update_assigned_to`` (204).
    """

    queryset = Epic.objects.prefetch_related("watchers")
    serializer_class = EpicSerializer
    permissions = EPICS
    filter_fields = {"status": "status", "assigned_to": "assigned_to"}
    bulk_serializers = BULK_SERIALIZERS

    def create_object(self, data: dict[str, Any]) -> Epic:
        return services.create_epic(owner=self.request.user, **data)

    def update_object(
        self, instance: Epic, changes: dict[str, Any], expected_version: int | None
    ) -> Epic:
        return services.update_epic(
            instance, changes, expected_version=expected_version, by=self.request.user
        )

    def delete_object(self, instance: Epic) -> None:
        services.delete_epic(instance, by=self.request.user)

    @action(detail=False, methods=["post"])
    def bulk_update_epic_order(self, request: Request) -> Response:
        return self.run_bulk(
            self.permissions.modify,
            lambda data: update_orders_in_bulk(
                data["project"], Epic, "epics_order", data["orders"]
            ),
        )


class EpicRelatedUserStoryViewSet(ProjectScopedViewSet):
    """``/api/v1/epics/{epic}/related_userstories[/{user_story}]``: the user stories of an
    epic and their order in it; changing them needs ``modify_epic`` and changes the epic
    (one ``epics.epic`` event).

    ``POST …/bulk_update_order`` ``{"bulk_userstories": [{"us_id", "order"}]}`` reorders
    them; ``POST …/bulk_create`` ``{"project_id", "bulk_userstories": "subjects, one per
    line"}`` creates user stories in the epic (one ``create`` event for each).
    """

    queryset = RelatedUserStory.objects.all()
    serializer_class = RelatedUserStorySerializer
    permissions = ActionPermissions("view_epics", "modify_epic", "modify_epic", "modify_epic")
    lookup_field = "user_story"
    bulk_serializers = {
        "bulk_update_order": RelatedUserStoriesOrderSerializer,
        "bulk_create": RelatedUserStoriesBulkCreateSerializer,
    }

    @cached_property
    def epic(self) -> Epic:
        projects = projects_where(self.request.user, self.permissions.view)
        return get_object_or_404(Epic.objects.filter(project__in=projects), pk=self.kwargs["epic"])

    def get_queryset(self):  # type: ignore[override]
        return RelatedUserStory.objects.filter(epic=self.epic).select_related("epic__project")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if "epic" in self.kwargs:
            context["epic"] = self.epic
        return context

    def project_of(self, obj: RelatedUserStory) -> Project:
        return obj.epic.project

    def bulk_project(self, data: dict[str, Any]) -> Project:
        return self.epic.project

    def perform_create(self, serializer: BaseSerializer) -> None:
        self.require(self.permissions.add, self.epic.project)
        serializer.instance = services.relate_userstory(self.epic, **serializer.validated_data)

    def update_object(
        self, instance: RelatedUserStory, changes: dict[str, Any]
    ) -> RelatedUserStory:
        return services.update_related_userstory(instance, changes)

    def delete_object(self, instance: RelatedUserStory) -> None:
        services.unrelate_userstory(instance)

    @action(detail=False, methods=["post"])
    def bulk_update_order(self, request: Request, **kwargs: Any) -> Response:
        return self.run_bulk(
            self.permissions.modify,
            lambda data: services.update_related_userstories_order_in_bulk(**data),
        )

    @action(detail=False, methods=["post"])
    def bulk_create(self, request: Request, **kwargs: Any) -> Response:
        def create(data: dict[str, Any]) -> list[dict]:
            self.require(USERSTORIES.add, self.epic.project)
            related = services.create_related_userstories_in_bulk(
                data["epic"], data["subjects"], owner=request.user
            )
            return RelatedUserStorySerializer(related, many=True).data

        return self.run_bulk(self.permissions.add, create)
