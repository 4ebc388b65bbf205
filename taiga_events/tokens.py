"""Verifying the backend's access tokens (HMAC-signed JWTs, the backend's secret)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import jwt

_DIGITS = re.compile(r"^[0-9]{1,19}$")

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
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=list(self.algorithms),
                leeway=self.leeway_seconds,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": required},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("token has expired") from None
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(f"token has no {exc.claim!r} claim") from None
        except jwt.InvalidTokenError as exc:
            raise InvalidToken(f"token is not valid ({type(exc).__name__})") from None
        token_type = claims.get("token_type")
        if token_type is not None and token_type != "access":
            raise InvalidToken("token is not an access token")
        user_id = claims[self.user_id_claim]
        if isinstance(user_id, str) and _DIGITS.match(user_id):
            user_id = int(user_id)
        if isinstance(user_id, bool) or not isinstance(user_id, int):
            raise InvalidToken(f"token's {self.user_id_claim!r} claim is not an integer")
        return Identity(user_id, float(claims["exp"]))
