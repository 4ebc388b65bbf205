"""``/api/v1/`` projects, their roles, memberships, values, swimlanes and board cells."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from taiga.base.filters import int_query_param
from taiga.base.models import save_changes

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
from .permissions import (
    MEMBERSHIPS,
    PROJECT_VALUES,
    ROLES,
    viewable_projects,
)
from .serializers import (
    EpicStatusSerializer,
    IssueStatusSerializer,
    IssueTypeSerializer,
    MembershipSerializer,
    PrioritySerializer,
    ProjectSerializer,
    RoleSerializer,
    SeveritySerializer,
    SwimlaneSerializer,
    SwimlaneUserStoryStatusSerializer,
    TaskStatusSerializer,
    UserStoryStatusSerializer,
    ViewableProjectField,
)
from .services import bulk, bulk_update_order, members, projects, values
from .validators import pairs_field, resolve_orders
from .viewsets import ProjectScopedViewSet, require_permission


class ProjectViewSet(viewsets.ModelViewSet):
    """``/api/v1/projects``: anyone signed in creates projects and becomes their owner.

    Changing a project needs ``modify_project``, deleting it ``delete_project``; a project
    the user may not view answers 404. ``GET /projects/by_slug?slug=`` finds one by slug.
    """

    queryset = Project.objects.all()  # what the schema describes; get_queryset filters it
    serializer_class = ProjectSerializer
    permission_classes = [IsAuthenticatedOrReadOnly]

    def get_queryset(self) -> QuerySet[Project]:
        return viewable_projects(self.request.user)

    def check_object_permissions(self, request: Request, obj: Project) -> None:
        super().check_object_permissions(request, obj)
        needed = {"PUT": "modify_project", "PATCH": "modify_project", "DELETE": "delete_project"}
        if request.method in needed:
            require_permission(self, needed[request.method], obj)

    def perform_create(self, serializer: BaseSerializer) -> None:
        serializer.instance = projects.create_project(
            owner=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: BaseSerializer) -> None:
        serializer.instance = projects.update_project(
            serializer.instance, serializer.validated_data
        )

    @action(detail=False, methods=["get"])
    def by_slug(self, request: Request) -> Response:
        project = get_object_or_404(self.get_queryset(), slug=request.query_params.get("slug"))
        return Response(self.get_serializer(project).data)


class RoleViewSet(ProjectScopedViewSet):
    """``/api/v1/roles``: what each role may do; changed with ``admin_roles``."""

    queryset = Role.objects.all()
    serializer_class = RoleSerializer
    permissions = ROLES

    def create_object(self, data: dict[str, Any]) -> Role:
        return members.create_role(**data)

    def update_object(self, instance: Role, changes: dict[str, Any]) -> Role:
        return save_changes(instance, changes)

    def delete_object(self, instance: Role) -> None:
        members.delete_role(instance)


class MembershipViewSet(ProjectScopedViewSet):
    """``/api/v1/memberships``: who is in a project, with which role; ``?user=`` filters."""

    queryset = Membership.objects.select_related("user", "role")
    serializer_class = MembershipSerializer
    permissions = MEMBERSHIPS
    filter_fields = {"user": "user", "role": "role"}

    def create_object(self, data: dict[str, Any]) -> Membership:
        return members.add_member(
            data["project"],
            data["user"],
            role=data.get("role"),
            is_admin=data.get("is_admin", False),
            by=self.request.user,
        )

    def update_object(self, instance: Membership, changes: dict[str, Any]) -> Membership:
        return members.update_membership(instance, changes)

    def delete_object(self, instance: Membership) -> None:
        members.remove_member(instance)


class ProjectValueViewSet(ProjectScopedViewSet):
    """A project's statuses, types, priorities, severities or swimlanes.

    Changed with ``admin_project_values``. ``DELETE …/{id}?moveTo={other id}`` first moves
    whatever uses the value to the other one (one event per kind moved); without it, a value
    in use is a 409 (a swimlane's stories become unclassified). ``POST …/bulk_update_order``
    with ``{"project": id, "bulk_…": [[id, order], …]}`` reorders them (204).
    """

    permissions = PROJECT_VALUES

    def create_object(self, data: dict[str, Any]) -> Model:
        return values.create_value(self.queryset.model, **data)

    def update_object(self, instance: Model, changes: dict[str, Any]) -> Model:
        return save_changes(instance, changes)

    def delete_object(self, instance: Model) -> None:
        move_to = int_query_param(self.request, "moveTo")
        target = None
        if move_to is not None:
            target = self.queryset.model.objects.filter(pk=move_to).first()
            if target is None:
                raise ValidationError({"moveTo": f"There is no value {move_to} to move to."})
        bulk.delete_with_dependents(instance, move_to=target)

    @action(detail=False, methods=["post"])
    def bulk_update_order(self, request: Request) -> Response:
        model = self.queryset.model

        def reorder(data: dict[str, Any]) -> None:
            bulk_update_order.update_orders_in_bulk(data["project"], model, "order", data["orders"])

        return self.run_bulk(self.permissions.modify, reorder)


def _values_viewset(
    model: type[Model],
    serializer: type[BaseSerializer],
    param: str,
    queryset: QuerySet | None = None,
) -> type[ProjectValueViewSet]:
    label = str(model._meta.verbose_name)

    def validate(self: serializers.Serializer, attrs: dict[str, Any]) -> dict[str, Any]:
        siblings = model.objects.filter(project=attrs["project"])
        attrs["orders"] = resolve_orders(siblings, attrs.pop(param), None, param, label)
        return attrs

    order_serializer = type(
        f"{model.__name__}OrderSerializer",
        (serializers.Serializer,),
        {"project": ViewableProjectField(), param: pairs_field(), "validate": validate},
    )
    return type(
        f"{model.__name__}ViewSet",
        (ProjectValueViewSet,),
        {
            "__doc__": f"``/api/v1/…``: the {model._meta.verbose_name_plural} of projects.",
            "queryset": queryset if queryset is not None else model.objects.all(),
            "serializer_class": serializer,
            "bulk_serializers": {"bulk_update_order": order_serializer},
        },
    )


UserStoryStatusViewSet = _values_viewset(
    UserStoryStatus, UserStoryStatusSerializer, "bulk_userstory_statuses"
)
TaskStatusViewSet = _values_viewset(TaskStatus, TaskStatusSerializer, "bulk_task_statuses")
IssueStatusViewSet = _values_viewset(IssueStatus, IssueStatusSerializer, "bulk_issue_statuses")
EpicStatusViewSet = _values_viewset(EpicStatus, EpicStatusSerializer, "bulk_epic_statuses")
IssueTypeViewSet = _values_viewset(IssueType, IssueTypeSerializer, "bulk_issue_types")
PriorityViewSet = _values_viewset(Priority, PrioritySerializer, "bulk_priorities")
SeverityViewSet = _values_viewset(Severity, SeveritySerializer, "bulk_severities")
SwimlaneViewSet = _values_viewset(
    Swimlane,
    SwimlaneSerializer,
    "bulk_swimlanes",
    Swimlane.objects.prefetch_related("statuses"),
)


class SwimlaneUserStoryStatusViewSet(ProjectScopedViewSet):
    """``/api/v1/swimlane-userstory-statuses``: the board's cells; only their WIP limit
    changes (they come and go with swimlanes and statuses). ``?swimlane=``, ``?status=``."""

    queryset = SwimlaneUserStoryStatus.objects.all()
    serializer_class = SwimlaneUserStoryStatusSerializer
    permissions = PROJECT_VALUES
    filter_fields = {"swimlane": "swimlane", "status": "status"}
    http_method_names = ["get", "put", "patch", "head", "options"]

    def update_object(
        self, instance: SwimlaneUserStoryStatus, changes: dict[str, Any]
    ) -> SwimlaneUserStoryStatus:
        return save_changes(instance, changes)
