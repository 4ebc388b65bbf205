from django.db.models import QuerySet
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.serializers import BaseSerializer

from . import services
from .models import Membership, Project, UserStoryStatus
from .permissions import ProjectAdminOrReadOnly, can_admin_project, viewable_projects
from .serializers import MembershipSerializer, ProjectSerializer, UserStoryStatusSerializer
from .viewsets import ProjectScopedViewSet


class ProjectViewSet(viewsets.ModelViewSet):
    """``/api/v1/projects``: any signed-in user creates projects and becomes their owner."""

    serializer_class = ProjectSerializer
    permission_classes = [IsAuthenticatedOrReadOnly, ProjectAdminOrReadOnly]

    def get_queryset(self) -> QuerySet[Project]:
        return viewable_projects(self.request.user)

    def perform_create(self, serializer: BaseSerializer) -> None:
        serializer.instance = services.create_project(
            owner=self.request.user, **serializer.validated_data
        )


class UserStoryStatusViewSet(ProjectScopedViewSet):
    """``/api/v1/userstory-statuses``: the columns of a project's board."""

    queryset = UserStoryStatus.objects.all()
    serializer_class = UserStoryStatusSerializer

    def perform_create(self, serializer: BaseSerializer) -> None:
        self.check_project_write(serializer.validated_data["project"])
        serializer.instance = services.create_userstory_status(**serializer.validated_data)

    def perform_destroy(self, instance: UserStoryStatus) -> None:
        services.delete_userstory_status(instance)


class MembershipViewSet(ProjectScopedViewSet):
    """``/api/v1/memberships``: who is in a project; only its admins add and remove people."""

    queryset = Membership.objects.select_related("user")
    serializer_class = MembershipSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    write_rule = staticmethod(can_admin_project)
    write_denied_message = "Only the project's owner and admins can change its members."

    def perform_create(self, serializer: BaseSerializer) -> None:
        self.check_project_write(serializer.validated_data["project"])
        serializer.instance = services.add_member(**serializer.validated_data)

    def perform_destroy(self, instance: Membership) -> None:
        services.remove_member(instance)
