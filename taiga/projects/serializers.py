from django.db.models import QuerySet
from rest_framework import serializers

from .models import Membership, Project, UserStoryStatus
from .permissions import permissions_for, viewable_projects


class ProjectSerializer(serializers.ModelSerializer):
    my_permissions = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "owner",
            "is_private",
            "created_date",
            "modified_date",
            "my_permissions",
        ]
        read_only_fields = ["slug", "owner", "created_date", "modified_date"]

    def get_my_permissions(self, project: Project) -> list[str]:
        return permissions_for(self.context["request"].user, project)


class ViewableProjectField(serializers.PrimaryKeyRelatedField):
    """A project id; a project the requesting user cannot view is reported as not existing."""

    def get_queryset(self) -> QuerySet[Project]:
        return viewable_projects(self.context["request"].user)


class ProjectScopedSerializer(serializers.ModelSerializer):
    """Base of serializers of objects that belong to a project, and stay in it."""

    project = ViewableProjectField()

    def validate_project(self, project: Project) -> Project:
        if self.instance is not None and project.pk != self.instance.project_id:
            raise serializers.ValidationError("This cannot be moved to another project.")
        return project


class UserStoryStatusSerializer(ProjectScopedSerializer):
    class Meta:
        model = UserStoryStatus
        fields = ["id", "project", "name", "slug", "order", "is_closed", "color", "wip_limit"]
        read_only_fields = ["slug"]


class MembershipSerializer(ProjectScopedSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "project", "user", "username", "full_name", "is_admin"]
