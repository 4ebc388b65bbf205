from __future__ import annotations

from collections.abc import Sequence

from django.db import models
from django.db.models import QuerySet
from rest_framework import serializers

from .models import (
    EpicStatus,
    IssueStatus,
    IssueType,
    Membership,
    Priority,
    Project,
    Role,
    Severity,
    Swimlane,
    SwimlaneUserStoryStatus,
    TaskStatus,
    UserStoryStatus,
)
from .permissions import ANON_PERMISSIONS, MEMBERS_PERMISSIONS, permissions_for, viewable_projects


class PermissionListField(serializers.ListField):
    """A list of permission names, each one of ``choices``; repeats are dropped."""

    def __init__(self, choices: Sequence[str], **kwargs: object) -> None:
        super().__init__(child=serializers.ChoiceField(choices=list(choices)), **kwargs)

    def to_internal_value(self, data: object) -> list[str]:
        return list(dict.fromkeys(super().to_internal_value(data)))


class ProjectSerializer(serializers.ModelSerializer):
    """A project; ``my_permissions`` is what the requesting user may do in it."""

    anon_permissions = PermissionListField(ANON_PERMISSIONS, required=False)
    public_permissions = PermissionListField(MEMBERS_PERMISSIONS, required=False)
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
            "anon_permissions",
            "public_permissions",
            "created_date",
            "modified_date",
            "my_permissions",
        ]
        read_only_fields = ["slug", "owner", "created_date", "modified_date"]

    def get_my_permissions(self, project: Project) -> list[str]:
        return permissions_for(self.context["request"].user, project)


class ViewableProjectField(serializers.PrimaryKeyRelatedField):
    """A project id; a project the requesting user cannot view is reported as not existing."""

    default_error_messages = {
        "does_not_exist": "There is no project with id {pk_value} that you can see.",
    }

    def get_queryset(self) -> QuerySet[Project]:
        return viewable_projects(self.context["request"].user)


class ProjectScopedSerializer(serializers.ModelSerializer):
    """Base of serializers of objects that belong to a project, and stay in it."""

    project = ViewableProjectField()

    def validate_project(self, project: Project) -> Project:
        if self.instance is not None and project.pk != self.instance.project_id:
            raise serializers.ValidationError("This cannot be moved to another project.")
        return project


class VersionedSerializer(ProjectScopedSerializer):
    """An object with a ``version``: read back as its current version; sent with an update,
    it is the version the client last saw (an older one is refused with a 409)."""

    version = serializers.IntegerField(required=False, min_value=1)


def work_item_fields(*own: str) -> list[str]:
    """The fields of a user story, task, issue or epic serializer, ``own`` in the middle."""
    common = ["id", "ref", "project", "subject", "description"]
    people = ["owner", "assigned_to", "watchers"]
    return [*common, *own, *people, "version", "created_date", "modified_date"]


class WorkItemSerializer(VersionedSerializer):
    """Base of user story, task, issue and epic serializers (see ``work_item_fields``);
    ``watchers`` are user ids, in order."""

    class Meta:
        read_only_fields = ["owner"]
        extra_kwargs = {"status": {"required": False}}

    def to_representation(self, instance: models.Model) -> dict:
        data = super().to_representation(instance)
        data["watchers"] = sorted(data["watchers"])
        return data


class RoleSerializer(ProjectScopedSerializer):
    permissions = PermissionListField(MEMBERS_PERMISSIONS, required=False)

    class Meta:
        model = Role
        fields = ["id", "project", "name", "slug", "order", "permissions"]
        read_only_fields = ["slug"]


class MembershipSerializer(ProjectScopedSerializer):
    """A membership; without ``role``, a new member gets the project's first role."""

    username = serializers.CharField(source="user.username", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    role_name = serializers.CharField(source="role.name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "project", "user", "username", "full_name", "role", "role_name", "is_admin"]
        extra_kwargs = {"role": {"required": False}}

    def validate_user(self, user: object) -> object:
        if self.instance is not None and user != self.instance.user:
            raise serializers.ValidationError("A membership stays with its user.")
        return user


def _value_serializer(
    model: type[models.Model], fields: list[str]
) -> type[ProjectScopedSerializer]:
    meta = type("Meta", (), {"model": model, "fields": ["id", "project", *fields]})
    if "slug" in fields:
        meta.read_only_fields = ["slug"]
    name = f"{model.__name__}Serializer"
    return type(name, (ProjectScopedSerializer,), {"Meta": meta, "__module__": __name__})


_STATUS_FIELDS = ["name", "slug", "order", "is_closed", "color"]
_VALUE_FIELDS = ["name", "order", "color"]
UserStoryStatusSerializer = _value_serializer(UserStoryStatus, [*_STATUS_FIELDS, "wip_limit"])
TaskStatusSerializer = _value_serializer(TaskStatus, _STATUS_FIELDS)
IssueStatusSerializer = _value_serializer(IssueStatus, _STATUS_FIELDS)
EpicStatusSerializer = _value_serializer(EpicStatus, _STATUS_FIELDS)
IssueTypeSerializer = _value_serializer(IssueType, _VALUE_FIELDS)
PrioritySerializer = _value_serializer(Priority, _VALUE_FIELDS)
SeveritySerializer = _value_serializer(Severity, _VALUE_FIELDS)


class SwimlaneUserStoryStatusSerializer(serializers.ModelSerializer):
    """A board cell: only its WIP limit changes; cells come and go with their swimlane and
    status."""

    class Meta:
        model = SwimlaneUserStoryStatus
        fields = ["id", "project", "swimlane", "status", "wip_limit"]
        read_only_fields = ["project", "swimlane", "status"]


class SwimlaneSerializer(ProjectScopedSerializer):
    """A swimlane with its cells, one per user story status."""

    statuses = SwimlaneUserStoryStatusSerializer(many=True, read_only=True)

    class Meta:
        model = Swimlane
        fields = ["id", "project", "name", "order", "statuses"]
