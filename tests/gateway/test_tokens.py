import time

import jwt
import pytest

from taiga_events.tokens import Identity, InvalidToken, TokenVerifier

SECRET = "a-test-secret-long-enough-for-hs512-" + "x" * 32
OTHER_SECRET = "another-secret-just-as-long-as-the-first-one-" + "y" * 32
EXP = int(time.time()) + 3600
CLAIMS = {"user_id": 7, "exp": EXP}
verifier = TokenVerifier(SECRET, leeway_seconds=0)


def token(algorithm: str = "HS256", **claims: object) -> str:
    payload = {"token_type": "access", "exp": EXP, "jti": "j", "user_id": 7}
    payload.update(claims)
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, SECRET, algorithm)


def test_valid_access_token_gives_the_user_and_expiry() -> None:
    assert verifier.verify(token()) == Identity(7, EXP)
    assert TokenVerifier(SECRET, user_id_claim="uid").verify(token(uid=9)).user_id == 9
    assert verifier.verify(token(user_id="12")).user_id == 12
    # token_type is checked when present; simple tokens without it are accepted.
    assert verifier.verify(token(token_type=None)).user_id == 7


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (token(exp=int(time.time()) - 10), "expired"),
        (token(exp=None), "no 'exp' claim"),
        (token(token_type="refresh"), "not an access token"),
        (token(user_id=None), "no 'user_id' claim"),
        (token(user_id="abc"), "'user_id' claim is not an integer"),
        (token(user_id="1" * 40), "not an integer"),
        (token(user_id=True), "not an integer"),
        (jwt.encode(CLAIMS, OTHER_SECRET, "HS256"), "InvalidSignatureError"),
        (token("HS512"), "InvalidAlgorithmError"),
        (jwt.encode(CLAIMS, None, "none"), "not valid"),
        ("garbage", "DecodeError"),
        ("eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoiMSJ9.x", "not valid"),
    ],
)
def test_untrustworthy_tokens_are_refused(bad: str, reason: str) -> None:
    with pytest.raises(InvalidToken, match=reason) as raised:
        verifier.verify(bad)
    assert bad not in str(raised.value)


def test_the_algorithm_list_is_configurable() -> None:
    both = TokenVerifier(SECRET, algorithms=("HS256", "HS512"))
    assert both.verify(token("HS512")).user_id == 7
    assert both.verify(token("HS256")).user_id == 7


def test_leeway_admits_a_token_just_expired() -> None:
    just_expired = token(exp=int(time.time()) - 2)
    with pytest.raises(InvalidToken, match="expired"):
        verifier.verify(just_expired)
    assert TokenVerifier(SECRET, leeway_seconds=30).verify(just_expired).user_id == 7


def test_audience_and_issuer_are_required_when_configured() -> None:
    strict = TokenVerifier(SECRET, audience="taiga", issuer="https://taiga.example")
    assert strict.verify(token(aud="taiga", iss="https://taiga.example")).user_id == 7
    with pytest.raises(InvalidToken, match="no 'aud' claim"):
        strict.verify(token(iss="https://taiga.example"))
    with pytest.raises(InvalidToken, match="InvalidAudienceError"):
        strict.verify(token(aud="other", iss="https://taiga.example"))
    with pytest.raises(InvalidToken, match="InvalidIssuerError"):
        strict.verify(token(aud="taiga", iss="https://evil.example"))
