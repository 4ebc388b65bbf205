from typing import Any

from taiga.projects.permissions import MILESTONES
from taiga.projects.viewsets import ProjectScopedViewSet

from . import services
from .models import Milestone
from .serializers import MilestoneSerializer


class MilestoneViewSet(ProjectScopedViewSet):
    """``/api/v1/milestones``: the sprints of projects; lists accept ``?project=`` and
    ``?closed=true|false``."""

    queryset = Milestone.objects.all()
    serializer_class = MilestoneSerializer
    permissions = MILESTONES
    filter_fields = {"closed": "closed"}

    def create_object(self, data: dict[str, Any]) -> Milestone:
        return services.create_milestone(owner=self.request.user, **data)

    def update_object(self, instance: Milestone, changes: dict[str, Any]) -> Milestone:
        return services.update_milestone(instance, changes, by=self.request.user)

    def delete_object(self, instance: Milestone) -> None:
        services.delete_milestone(instance, by=self.request.user)
