"""Verifying the backend's access tokens (HS256 JWT signed with the backend's secret)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import jwt


class InvalidToken(Exception):
    """The token cannot be trusted; the message says why without echoing the token."""


@dataclass(frozen=True, slots=True)
class TokenVerifier:
    """Checks signature, algorithm (pinned), expiry and the user claim of an access token."""

    secret: str
    user_id_claim: str = "user_id"
    algorithms: Sequence[str] = ("HS256",)
    leeway_seconds: float = 5.0

    def user_id(self, token: str) -> int:
        """Return the user id the token was issued to, or raise InvalidToken."""
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=list(self.algorithms),
                leeway=self.leeway_seconds,
                options={"require": ["exp"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("token has expired") from None
        except jwt.InvalidTokenError as exc:
            raise InvalidToken(f"token is not valid ({type(exc).__name__})") from None
        token_type = claims.get("token_type")
        if token_type is not None and token_type != "access":
            raise InvalidToken("token is not an access token")
        user_id = claims.get(self.user_id_claim)
        if isinstance(user_id, str) and user_id.isdigit():
            user_id = int(user_id)
        if isinstance(user_id, bool) or not isinstance(user_id, int):
            raise InvalidToken(f"token has no integer {self.user_id_claim!r} claim")
        return user_id
