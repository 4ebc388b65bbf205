"""The base of the API of everything that belongs to a project."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from taiga.base.filters import filter_by_params, int_query_param
from taiga.users.models import User

from .history.api import CommentsMixin
from .models import Project
from .notifications.api import WatchersMixin
from .permissions import ActionPermissions, has_permission, projects_where, viewable_projects
from .services import bulk


def require_permission(view: APIView, permission: str, project: Project) -> None:
    """Deny the request (401 or 403) unless its user has ``permission`` in ``project``."""
    if not has_permission(view.request.user, project, permission):
        view.permission_denied(
            view.request,
            message=f"You need the {permission!r} permission in project {project.name!r}.",
        )


class ProjectScopedViewSet(viewsets.ModelViewSet):
    """Objects with a ``project``, under the permissions of their kind (``permissions``).

    An object is visible where the user has ``permissions.view``; anywhere else it answers
    404, as if it did not exist. Creating, changing and deleting need ``permissions.add``,
    ``.modify`` and ``.delete`` in the object's project (for a create, the one in the
    body): 401 for anonymous people, 403 for others. Lists accept ``?project=<id>`` and the
    filters of ``filter_fields`` (param -> lookup). Subclasses implement ``create_object``,
    ``update_object`` and ``delete_object`` by calling their services; bulk actions name
    their body's serializer in ``bulk_serializers`` and run through ``run_bulk``.
    """

    permissions: ClassVar[ActionPermissions]
    filter_fields: ClassVar[Mapping[str, str]] = {}
    bulk_serializers: ClassVar[Mapping[str, type[BaseSerializer]]] = {}

    def get_queryset(self) -> QuerySet:
        projects = projects_where(self.request.user, self.permissions.view)
        queryset = super().get_queryset().filter(project__in=projects)
        return filter_by_params(
            queryset, self.request, {"project": "project", **self.filter_fields}
        )

    def get_serializer_class(self) -> type[BaseSerializer]:
        return self.bulk_serializers.get(self.action) or super().get_serializer_class()

    def check_object_permissions(self, request: Request, obj: Model) -> None:
        super().check_object_permissions(request, obj)
        if request.method in ("PUT", "PATCH"):
            self.require(self.permissions.modify, self.project_of(obj))
        elif request.method == "DELETE":
            self.require(self.permissions.delete, self.project_of(obj))

    def project_of(self, obj: Model) -> Project:
        """The project whose permissions rule ``obj``."""
        return obj.project

    def require(self, permission: str, project: Project) -> None:
        require_permission(self, permission, project)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # A forbidden create is a 403 even when its body is also invalid.
        project = self._project_in_body(request)
        if project is not None:
            self.require(self.permissions.add, project)
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer: BaseSerializer) -> None:
        self.require(self.permissions.add, serializer.validated_data["project"])
        serializer.instance = self.create_object(dict(serializer.validated_data))

    def _project_in_body(self, request: Request) -> Project | None:
        project_id = request.data.get("project") if isinstance(request.data, dict) else None
        if not str(project_id).isdigit():
            return None
        return viewable_projects(request.user).filter(pk=int(project_id)).first()

    def perform_update(self, serializer: BaseSerializer) -> None:
        changes = dict(serializer.validated_data)
        serializer.instance = self.update_object(serializer.instance, changes)

    def perform_destroy(self, instance: Model) -> None:
        self.delete_object(instance)

    def create_object(self, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def update_object(self, instance: Model, changes: dict[str, Any]) -> Model:
        raise NotImplementedError

    def delete_object(self, instance: Model) -> None:
        raise NotImplementedError

    def run_bulk(self, permission: str, operation: Callable[[dict[str, Any]], Any]) -> Response:
        """Validate the body with the action's serializer, require ``permission`` in its
        project, run ``operation``: its result is the answer (204 if None)."""
        serializer = self.get_serializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        self.require(permission, self.bulk_project(serializer.validated_data))
        result = operation(serializer.validated_data)
        if result is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(result)

    def bulk_project(self, data: dict[str, Any]) -> Project:
        """The project a validated bulk body acts on."""
        return data["project"]


class VersionedViewSet(ProjectScopedViewSet):
    """Objects with a ``version``: an update that sends one is refused (409) if someone else
    updated the object since that version; ``update_object`` receives it apart."""

    def perform_update(self, serializer: BaseSerializer) -> None:
        changes = dict(serializer.validated_data)
        expected = changes.pop("version", None)
        serializer.instance = self.update_object(serializer.instance, changes, expected)

    def perform_create(self, serializer: BaseSerializer) -> None:
        serializer.validated_data.pop("version", None)
        super().perform_create(serializer)

    def update_object(  # type: ignore[override]
        self, instance: Model, changes: dict[str, Any], expected_version: int | None
    ) -> Model:
        raise NotImplementedError


class ItemViewSet(WatchersMixin, CommentsMixin, VersionedViewSet):
    """User stories, tasks, issues and epics: versioned, numbered by ``ref``, changed in
    bulk, watched and commented on.

    - ``GET …/by_ref?project={id}&ref={n}``: the item by its reference number.
    - ``POST …/bulk_update_status`` and ``…/bulk_update_assigned_to``: set the status or
      the assignee of many items of one project at once (204; one event with the ids that
      changed; the new assignee is notified). Their bodies are in ``bulk_serializers`` (see
      validators.bulk_change_…).
    - ``…/{id}/watch``, ``…/{id}/unwatch``, ``…/{id}/watchers`` (WatchersMixin) and
      ``…/{id}/comments`` (CommentsMixin).
    """

    @action(detail=False, methods=["get"])
    def by_ref(self, request: Request) -> Response:
        item = get_object_or_404(
            self.get_queryset(),
            project=int_query_param(request, "project"),
            ref=int_query_param(request, "ref"),
        )
        return Response(self.get_serializer(item).data)

    @action(detail=False, methods=["post"])
    def bulk_update_status(self, request: Request) -> Response:
        return self.run_bulk(self.permissions.modify, self.change_in_bulk)

    @action(detail=False, methods=["post"])
    def bulk_update_assigned_to(self, request: Request) -> Response:
        return self.run_bulk(self.permissions.modify, self.change_in_bulk)

    def change_in_bulk(self, data: dict[str, Any]) -> None:
        fields = data["fields"]
        if "assigned_to" in fields:
            self.assign_in_bulk(data["project"], data["objects"], fields["assigned_to"])
        else:
            bulk.change_in_bulk(data["project"], data["objects"], **fields)

    def assign_in_bulk(self, project: Project, objects: list[Model], user: User | None) -> None:
        bulk.assign_in_bulk(project, objects, user, by=self.request.user)
