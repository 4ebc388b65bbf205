import time

import jwt
import pytest

from taiga_events.tokens import InvalidToken, TokenVerifier

SECRET = "a-test-secret-long-enough-for-hs512-" + "x" * 32
OTHER_SECRET = "another-secret-just-as-long-as-the-first-one-" + "y" * 32
CLAIMS = {"user_id": 7, "exp": int(time.time()) + 60}
verifier = TokenVerifier(SECRET, leeway_seconds=0)


def token(**claims: object) -> str:
    payload = {"token_type": "access", "exp": int(time.time()) + 60, "jti": "j", "user_id": 7}
    payload.update(claims)
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, SECRET, "HS256")


def test_valid_access_token_gives_the_user_id() -> None:
    assert verifier.user_id(token()) == 7
    assert TokenVerifier(SECRET, user_id_claim="uid").user_id(token(uid=9)) == 9


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (token(exp=int(time.time()) - 10), "expired"),
        (token(exp=None), "not valid"),
        (token(token_type="refresh"), "not an access token"),
        (token(user_id=None), "no integer 'user_id'"),
        (token(user_id="abc"), "no integer"),
        (jwt.encode(CLAIMS, OTHER_SECRET, "HS256"), "not valid"),
        (jwt.encode(CLAIMS, SECRET, "HS512"), "not valid"),
        (jwt.encode(CLAIMS, None, "none"), "not valid"),
        ("garbage", "not valid"),
    ],
)
def test_untrustworthy_tokens_are_refused(bad: str, reason: str) -> None:
    with pytest.raises(InvalidToken, match=reason):
        verifier.user_id(bad)
