"""The base of the API of everything that belongs to a project."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Model, QuerySet
from rest_framework import viewsets
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from taiga.base.filters import int_query_param

from .models import Project
from .permissions import Person, can_edit_project_content, viewable_projects


class ProjectScopedViewSet(viewsets.ModelViewSet):
    """Objects with a ``project``: visible with their project, changed under ``write_rule``.

    Lists accept ``?project=<id>``. An object of a project the user cannot view is a 404,
    as if it did not exist. Creating and changing are checked against the project the
    object belongs to (for a create, the one in the request body).
    """

    write_rule: Callable[[Person, Project], bool] = staticmethod(can_edit_project_content)
    write_denied_message = "Only members of the project can change what is in it."

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset().filter(project__in=viewable_projects(self.request.user))
        project_id = int_query_param(self.request, "project")
        if project_id is not None:
            queryset = queryset.filter(project_id=project_id)
        return queryset

    def check_object_permissions(self, request: Request, obj: Model) -> None:
        super().check_object_permissions(request, obj)
        if request.method not in SAFE_METHODS:
            self.check_project_write(obj.project)

    def check_project_write(self, project: Project) -> None:
        """Deny the request (401 or 403) unless ``write_rule`` allows it for ``project``."""
        if not self.write_rule(self.request.user, project):
            self.permission_denied(self.request, message=self.write_denied_message)
