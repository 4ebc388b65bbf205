from datetime import UTC, datetime, timedelta

import jwt
import pytest
from django.conf import settings
from django.test import override_settings

from taiga.auth.tokens import issue_access_token

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_URL = "/api/v1/auth"
ME_URL = "/api/v1/users/me"


def login(client, **body):
    return client.post(LOGIN_URL, {"type": "normal", **body}, format="json")


def bearer(client, token):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_login_returns_the_user_and_an_access_token(anonymous, owner):
    response = login(anonymous, username="owner", password=PASSWORD)

    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in body if key != "auth_token"} == {
        "id": owner.pk,
        "username": "owner",
        "full_name": "Owner",
        "email": "owner@example.com",
        "photo": "",
        "is_superuser": False,
    }
    assert bearer(anonymous, body["auth_token"]).get(ME_URL).json()["id"] == owner.pk


def test_login_by_email_ignores_case(anonymous, owner):
    response = login(anonymous, username="OWNER@example.com", password=PASSWORD)

    assert response.status_code == 200
    assert response.json()["id"] == owner.pk


@override_settings(ACCESS_TOKEN_LIFETIME_SECONDS=600)
def test_token_has_exactly_the_access_claims(anonymous, owner):
    token = login(anonymous, username="owner", password=PASSWORD).json()["auth_token"]

    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"])
    assert set(claims) == {"token_type", "exp", "iat", "jti", "user_id"}
    assert claims["token_type"] == "access"
    assert claims["user_id"] == owner.pk
    assert claims["exp"] - claims["iat"] == 600
    assert len(claims["jti"]) == 32
    int(claims["jti"], 16)


def test_each_token_has_its_own_jti(owner):
    first, second = (
        jwt.decode(issue_access_token(owner), settings.SECRET_KEY, algorithms=["HS256"])["jti"]
        for _ in range(2)
    )
    assert first != second


@pytest.mark.parametrize(
    ("username", "password"),
    [("owner", "wrong"), ("nobody", PASSWORD), ("owner@example.org", PASSWORD)],
)
def test_wrong_credentials_are_a_clear_400(anonymous, owner, username, password):
    response = login(anonymous, username=username, password=password)

    assert response.status_code == 400
    assert response.json() == {"detail": "Username or password does not match any active user."}


def test_inactive_user_cannot_login(anonymous, owner):
    owner.is_active = False
    owner.save()

    assert login(anonymous, username="owner", password=PASSWORD).status_code == 400


def test_other_login_types_are_rejected(anonymous, owner):
    response = anonymous.post(
        LOGIN_URL, {"type": "github", "username": "owner", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 400
    assert "type" in response.json()


def test_login_ignores_a_stale_authorization_header(anonymous, owner):
    response = login(bearer(anonymous, "garbage"), username="owner", password=PASSWORD)

    assert response.status_code == 200


def test_me_needs_authentication(anonymous):
    assert anonymous.get(ME_URL).status_code == 401


def test_me_returns_the_token_user(client_for, member):
    response = client_for(member).get(ME_URL)

    assert response.status_code == 200
    assert response.json()["username"] == "member"


def _token(user, *, key=None, algorithm="HS256", issued_at=None, **overrides):
    issued_at = issued_at or datetime.now(UTC)
    claims = {
        "token_type": "access",
        "exp": issued_at + timedelta(minutes=5),
        "iat": issued_at,
        "jti": "a" * 32,
        "user_id": user.pk,
        **overrides,
    }
    return jwt.encode(claims, key or settings.SECRET_KEY, algorithm=algorithm)


@pytest.mark.parametrize(
    ("token_kwargs", "message"),
    [
        ({"issued_at": datetime.now(UTC) - timedelta(days=2)}, "Token has expired."),
        ({"algorithm": "HS384"}, "Token is invalid (InvalidAlgorithmError)."),
        ({"key": "another-secret-that-is-long-enough"}, "Token is invalid"),
        ({"token_type": "refresh"}, "Token is not an access token."),
        ({"user_id": "1"}, "Token has no integer user_id claim."),
        ({"user_id": 10**9}, "The token's user does not exist or is inactive."),
    ],
    ids=["expired", "wrong-alg", "wrong-key", "refresh", "str-user-id", "unknown-user"],
)
def test_bearer_rejects_untrustworthy_tokens(anonymous, owner, token_kwargs, message):
    response = bearer(anonymous, _token(owner, **token_kwargs)).get(ME_URL)

    assert response.status_code == 401
    assert response.json()["detail"].startswith(message)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_issued_tokens_expire(anonymous, owner):
    token = issue_access_token(owner, now=datetime.now(UTC) - timedelta(days=2))

    response = bearer(anonymous, token).get(ME_URL)

    assert response.status_code == 401
    assert response.json()["detail"] == "Token has expired."


def test_garbage_token_is_rejected(anonymous):
    response = bearer(anonymous, "garbage").get(ME_URL)

    assert response.status_code == 401
    assert response.json()["detail"] == "Token is invalid (DecodeError)."


def test_unsigned_token_is_rejected(anonymous, owner):
    token = jwt.encode({"token_type": "access", "user_id": owner.pk}, None, algorithm="none")

    assert bearer(anonymous, token).get(ME_URL).status_code == 401


def test_token_of_a_deactivated_user_is_rejected(anonymous, owner):
    token = issue_access_token(owner)
    owner.is_active = False
    owner.save()

    assert bearer(anonymous, token).get(ME_URL).status_code == 401


def test_malformed_authorization_header(anonymous):
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer two parts")

    response = anonymous.get(ME_URL)

    assert response.status_code == 401
    assert "Bearer <token>" in response.json()["detail"]
