import re

from django.conf import settings
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from taiga.base.exceptions import WrongArguments
from taiga.projects.permissions import view_permissions_in
from taiga.users.serializers import UserSerializer

from .serializers import LoginSerializer
from .services import authenticate_normal
from .tokens import issue_access_token, issue_events_permissions

_ID = re.compile(r"^[0-9]{1,18}$")
# Most projects one set of permission claims covers: the claims fit in a gateway frame.
MAX_CLAIMED_PROJECTS = 50


class LoginView(APIView):
    """``POST /api/v1/auth``: exchange a username (or email) and password for an access token.

    Credentials in the body are the only authentication here, so a stale ``Authorization``
    header cannot stop someone from logging in again.
    """

    authentication_classes = []
    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = authenticate_normal(data["username"], data["password"])
        if user is None:
            raise WrongArguments("Username or password does not match any active user.")
        return Response({**UserSerializer(user).data, "auth_token": issue_access_token(user)})


class EventsPermissionsView(APIView):
    """``GET /api/v1/events/permissions?projects=1,2``: the caller's signed permission claims
    for the events gateway, so that it authorizes subscriptions without asking back.

    Answers ``{"token": "<JWT>", "expires_in": seconds}``; docs/API.md gives the claims.
    """

    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        project_ids = _project_ids(request.query_params.get("projects", ""))
        token = issue_events_permissions(
            request.user, view_permissions_in(request.user, project_ids)
        )
        return Response(
            {"token": token, "expires_in": settings.EVENTS_PERMISSIONS_LIFETIME_SECONDS}
        )


def _project_ids(raw: str) -> set[int]:
    """The ids of ``?projects=1,2``; anything but up to MAX_CLAIMED_PROJECTS ids is a 400."""
    words = [word.strip() for word in raw.split(",") if word.strip()]
    if not all(_ID.match(word) for word in words):
        raise WrongArguments("projects: expected comma-separated project ids.")
    ids = {int(word) for word in words}
    if len(ids) > MAX_CLAIMED_PROJECTS:
        raise WrongArguments(f"projects: at most {MAX_CLAIMED_PROJECTS} projects at a time.")
    return ids
