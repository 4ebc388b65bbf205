from typing import Any

from django.shortcuts import get_object_or_404
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from taiga.base.filters import int_query_param
from taiga.projects.permissions import WIKI_PAGES
from taiga.projects.viewsets import VersionedViewSet

from . import services
from .models import WikiPage
from .serializers import WikiPageSerializer


class WikiPageViewSet(VersionedViewSet):
    """``/api/v1/wiki``: the wiki pages of projects; ``GET /wiki/by_slug?project=&slug=``
    finds one by its slug."""

    queryset = WikiPage.objects.all()
    serializer_class = WikiPageSerializer
    permissions = WIKI_PAGES

    def create_object(self, data: dict[str, Any]) -> WikiPage:
        return services.create_wiki_page(owner=self.request.user, **data)

    def update_object(
        self, instance: WikiPage, changes: dict[str, Any], expected_version: int | None
    ) -> WikiPage:
        return services.update_wiki_page(
            instance, changes, modifier=self.request.user, expected_version=expected_version
        )

    def delete_object(self, instance: WikiPage) -> None:
        services.delete_wiki_page(instance, by=self.request.user)

    @action(detail=False, methods=["get"])
    def by_slug(self, request: Request) -> Response:
        page = get_object_or_404(
            self.get_queryset(),
            project=int_query_param(request, "project"),
            slug=request.query_params.get("slug"),
        )
        return Response(self.get_serializer(page).data)
