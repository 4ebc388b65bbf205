from __future__ import annotations

from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from taiga.projects.permissions import is_member

from . import services
from .serializers import CommentSerializer


class CommentsMixin:
    """``…/{id}/comments`` of an item viewset: ``GET`` lists the item's comments, oldest
    first; ``POST {"comment": "…"}`` adds one (members of the project only), telling its
    watchers and the members it @mentions."""

    @action(detail=True, methods=["get"])
    def comments(self, request: Request, pk: str | None = None) -> Response:
        return Response(CommentSerializer(services.comments_of(self.get_object()), many=True).data)

    @comments.mapping.post
    def add_comment(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        if not (request.user.is_superuser or is_member(request.user, item.project)):
            self.permission_denied(request, message="Only members of the project comment.")
        serializer = CommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.add_comment(item, serializer.validated_data["comment"], by=request.user)
        return Response(CommentSerializer(entry).data, status=status.HTTP_201_CREATED)
