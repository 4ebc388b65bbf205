"""``/api/v1/notify-policies``, ``/api/v1/web-notifications`` and the watchers of items."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from taiga.base.filters import bool_query_param, filter_by_params

from . import policies, watchers, web
from .models import NotifyPolicy, WebNotification
from .serializers import NotifyPolicySerializer, WatcherSerializer, WebNotificationSerializer


class NotifyPolicyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """``/api/v1/notify-policies``: the caller's policies, one per project they are a member
    of (``?project=`` filters); ``PATCH …/{id}`` ``{"notify_level": 1|2|3}`` changes one."""

    queryset = NotifyPolicy.objects.all()  # what the schema describes; get_queryset filters
    serializer_class = NotifyPolicySerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self) -> QuerySet[NotifyPolicy]:
        if self.action == "list":
            mine = policies.policies_of(self.request.user)
        else:
            mine = NotifyPolicy.objects.filter(user=self.request.user)
        return filter_by_params(mine, self.request, {"project": "project"})

    def perform_update(self, serializer: BaseSerializer) -> None:
        serializer.instance = policies.update_policy(serializer.instance, serializer.validated_data)


class WebNotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """``/api/v1/web-notifications``: the caller's notifications, newest first
    (``?only_unread=true``: those not read yet).

    ``POST …/{id}/set_as_read`` (or ``PATCH``, as the original) marks one read and answers
    it; ``POST …/set_as_read`` marks all of them read (204).
    """

    queryset = WebNotification.objects.all()
    serializer_class = WebNotificationSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self) -> QuerySet[WebNotification]:
        mine = WebNotification.objects.filter(user=self.request.user)
        if bool_query_param(self.request, "only_unread"):
            mine = mine.filter(read__isnull=True)
        return mine

    @action(detail=True, methods=["post"])
    def set_as_read(self, request: Request, pk: str | None = None) -> Response:
        notification = web.mark_as_read(self.get_object())
        return Response(self.get_serializer(notification).data)

    @set_as_read.mapping.patch
    def patch_as_read(self, request: Request, pk: str | None = None) -> Response:
        return self.set_as_read(request, pk)

    @action(detail=False, methods=["post"], url_path="set_as_read")
    def set_all_as_read(self, request: Request) -> Response:
        web.mark_all_as_read(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WatchersMixin:
    """``POST …/{id}/watch`` and ``…/unwatch`` of an item viewset: the caller (signed in,
    able to view the item) starts or stops watching it (204); ``GET …/{id}/watchers``:
    who watches it."""

    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def watch(self, request: Request, pk: str | None = None) -> Response:
        watchers.watch(self.get_object(), request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def unwatch(self, request: Request, pk: str | None = None) -> Response:
        watchers.unwatch(self.get_object(), request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["get"], url_path="watchers")
    def list_watchers(self, request: Request, pk: str | None = None) -> Response:
        people = self.get_object().watchers.order_by("pk")
        return Response(WatcherSerializer(people, many=True).data)
