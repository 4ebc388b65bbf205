from django.db.models import QuerySet
from rest_framework.serializers import BaseSerializer

from taiga.base.filters import int_query_param
from taiga.projects.viewsets import ProjectScopedViewSet

from . import services
from .models import UserStory
from .serializers import UserStorySerializer


class UserStoryViewSet(ProjectScopedViewSet):
    """``/api/v1/userstories``: lists accept ``?project=`` and ``?status=``."""

    queryset = UserStory.objects.all()
    serializer_class = UserStorySerializer

    def get_queryset(self) -> QuerySet[UserStory]:
        queryset = super().get_queryset()
        status_id = int_query_param(self.request, "status")
        if status_id is not None:
            queryset = queryset.filter(status_id=status_id)
        return queryset

    def perform_create(self, serializer: BaseSerializer) -> None:
        fields = dict(serializer.validated_data)
        fields.pop("version", None)
        self.check_project_write(fields["project"])
        serializer.instance = services.create_userstory(owner=self.request.user, **fields)

    def perform_update(self, serializer: BaseSerializer) -> None:
        changes = dict(serializer.validated_data)
        expected_version = changes.pop("version", None)
        serializer.instance = services.update_userstory(
            serializer.instance, changes, expected_version=expected_version
        )

    def perform_destroy(self, instance: UserStory) -> None:
        services.delete_userstory(instance)
