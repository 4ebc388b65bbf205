from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from taiga.base.exceptions import WrongArguments
from taiga.users.serializers import UserSerializer

from .serializers import LoginSerializer
from .services import authenticate_normal
from .tokens import issue_access_token


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
