"""Access tokens and events permission claims: HS256 JWTs signed with ``SECRET_KEY``.

The claims of access tokens are those of the original Taiga's simple-jwt access tokens
(``token_type``, ``exp``, ``iat``, ``jti``, ``user_id``), so the events gateway can verify
them with the same secret. Unlike the original, decoding pins the algorithm and enforces
``exp``.

Permission claims tell the events gateway what a user may see, signed, so that it need not
ask the backend: they live no longer than the gateway would cache an answer, and their own
``token_type`` keeps them from ever being taken for an access token, or the other way round.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from django.conf import settings

from taiga.users.models import User

ALGORITHM = "HS256"
ACCESS_TOKEN_TYPE = "access"
EVENTS_PERMISSIONS_TOKEN_TYPE = "events_permissions"
_REQUIRED_CLAIMS = ["token_type", "exp", "iat", "jti", "user_id"]


class InvalidToken(Exception):
    """The token cannot be trusted; the message says why without repeating the token."""


def issue_access_token(user: User, *, now: datetime | None = None) -> str:
    """A signed access token for ``user``, valid for ``ACCESS_TOKEN_LIFETIME_SECONDS``."""
    issued_at = now or datetime.now(UTC)
    claims = {
        "token_type": ACCESS_TOKEN_TYPE,
        "exp": issued_at + timedelta(seconds=settings.ACCESS_TOKEN_LIFETIME_SECONDS),
        "iat": issued_at,
        "jti": uuid.uuid4().hex,
        "user_id": user.pk,
    }
    return jwt.encode(claims, settings.SECRET_KEY, algorithm=ALGORITHM)


def issue_events_permissions(
    user: User, projects: dict[int, list[str]], *, now: datetime | None = None
) -> str:
    """Signed permission claims of ``user`` for the events gateway: the ``view_…``
    permissions in each of ``projects`` and whether the user is a superuser, valid for
    ``EVENTS_PERMISSIONS_LIFETIME_SECONDS``."""
    issued_at = now or datetime.now(UTC)
    claims = {
        "token_type": EVENTS_PERMISSIONS_TOKEN_TYPE,
        "exp": issued_at + timedelta(seconds=settings.EVENTS_PERMISSIONS_LIFETIME_SECONDS),
        "iat": issued_at,
        "user_id": user.pk,
        "projects": {str(project_id): names for project_id, names in projects.items()},
        "superuser": user.is_superuser,
    }
    return jwt.encode(claims, settings.SECRET_KEY, algorithm=ALGORITHM)


def decode_access_token(token: str) -> dict[str, Any]:
    """The claims of a valid, unexpired access token; raises InvalidToken otherwise."""
    try:
        claims = jwt.decode(
            token,
            settings.SECRET_KEY,
            algorithms=[ALGORITHM],
            options={"require": _REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("Token has expired.") from None
    except jwt.MissingRequiredClaimError as exc:
        raise InvalidToken(f"Token has no {exc.claim!r} claim.") from None
    except jwt.InvalidTokenError as exc:
        raise InvalidToken(f"Token is invalid ({type(exc).__name__}).") from None
    if claims["token_type"] != ACCESS_TOKEN_TYPE:
        raise InvalidToken("Token is not an access token.")
    if isinstance(claims["user_id"], bool) or not isinstance(claims["user_id"], int):
        raise InvalidToken("Token has no integer user_id claim.")
    return claims
