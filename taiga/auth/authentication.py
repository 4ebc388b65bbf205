"""DRF authentication by ``Authorization: Bearer <access token>``."""

from __future__ import annotations

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from taiga.users.models import User

from .tokens import InvalidToken, decode_access_token

_KEYWORD = b"bearer"


class JWTAuthentication(BaseAuthentication):
    """Authenticates a request carrying a bearer access token; no header means anonymous.

    A header that is present but unusable is a 401, never a silent fall back to anonymous.
    """

    def authenticate(self, request: Request) -> tuple[User, str] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != _KEYWORD:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Invalid Authorization header: expected 'Bearer <token>'.")
        try:
            token = parts[1].decode("ascii")
            user_id = decode_access_token(token)["user_id"]
        except UnicodeDecodeError:
            raise AuthenticationFailed("Token is invalid (not ASCII).") from None
        except InvalidToken as exc:
            raise AuthenticationFailed(str(exc)) from None
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            raise AuthenticationFailed("The token's user does not exist or is inactive.")
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
