"""Verifying the backend's tokens (HMAC-signed JWTs, the backend's secret): access tokens,
which say who a connection is, and permission claims, which say what that user may see.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jwt

_DIGITS = re.compile(r"^[0-9]{1,19}$")
PERMISSIONS_TOKEN_TYPE = "events_permissions"

# Only HMAC algorithms: the key is a shared secret. Accepting an asymmetric algorithm with
# it would invite algorithm-confusion forgeries.
HMAC_ALGORITHMS = ("HS256", "HS384", "HS512")


class InvalidToken(Exception):
    """The token cannot be trusted; the message says why without echoing the token."""


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a verified token speaks for, and until when (``exp``, seconds since the epoch)."""

    user_id: int
    expires_at: float


@dataclass(frozen=True, slots=True)
class PermissionClaims:
    """What the backend signed about a user's permissions, until ``expires_at`` (``exp``)."""

    user_id: int
    expires_at: float
    # Project id → the user's permissions there (the backend lists those to view).
    projects: dict[int, frozenset[str]]
    superuser: bool


@dataclass(frozen=True, slots=True)
class TokenVerifier:
    """Checks signature, algorithm (pinned), expiry, ``token_type`` and the user claim."""

    secret: str
    user_id_claim: str = "user_id"
    algorithms: Sequence[str] = ("HS256",)
    leeway_seconds: float = 5.0
    audience: str | None = None
    issuer: str | None = None

    def verify(self, token: str) -> Identity:
        """Return who the token was issued to, or raise InvalidToken."""
        required = ["exp", self.user_id_claim]
        required += ["aud"] if self.audience else []
        required += ["iss"] if self.issuer else []
        claims = self._decode(
            token,
            required,
            leeway=self.leeway_seconds,
            audience=self.audience,
            issuer=self.issuer,
        )
        token_type = claims.get("token_type")
        if token_type is not None and token_type != "access":
            raise InvalidToken("token is not an access token")
        return Identity(_user_id(claims, self.user_id_claim), float(claims["exp"]))

    def verify_permissions(self, token: str) -> PermissionClaims:
        """The permission claims the backend signed (``GET /events/permissions``), or raise
        InvalidToken. No leeway: they must not outlive what the backend allowed."""
        claims = self._decode(token, ["token_type", "exp", "user_id", "projects", "superuser"])
        if claims["token_type"] != PERMISSIONS_TOKEN_TYPE:
            raise InvalidToken("token is not a permissions token")
        projects, superuser = claims["projects"], claims["superuser"]
        if (
            not isinstance(projects, dict)
            or not all(_DIGITS.match(key) for key in projects)
            or not all(_names(value) for value in projects.values())
            or not isinstance(superuser, bool)
        ):
            raise InvalidToken("permissions token's claims are malformed")
        return PermissionClaims(
            _user_id(claims, "user_id"),
            float(claims["exp"]),
            {int(key): frozenset(value) for key, value in projects.items()},
            superuser,
        )

    def _decode(self, token: str, required: list[str], **checks: Any) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                self.secret,
                algorithms=list(self.algorithms),
                options={"require": required},
                **checks,
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("token has expired") from None
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(f"token has no {exc.claim!r} claim") from None
        except jwt.InvalidTokenError as exc:
            raise InvalidToken(f"token is not valid ({type(exc).__name__})") from None


def _user_id(claims: dict[str, Any], name: str) -> int:
    user_id = claims[name]
    if isinstance(user_id, str) and _DIGITS.match(user_id):
        user_id = int(user_id)
    if isinstance(user_id, bool) or not isinstance(user_id, int):
        raise InvalidToken(f"token's {name!r} claim is not an integer")
    return user_id


def _names(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(name, str) for name in value)
