"""Asking a backend over real HTTP: our backend's and the original Taiga's answers."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import orjson
import pytest

from taiga_events.authorization import ALL_PROJECTS, SUPERUSER
from taiga_events.backend_api import BackendPermissions
from taiga_events.permissions import BackendUnavailable, TokenRefused
from tests.processes import free_port


class FakeApi(http.server.ThreadingHTTPServer):
    """Answers GETs from ``routes`` (path → status, body) and records Authorization."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes]] = {}
        self.authorizations: list[str | None] = []
        self.release = threading.Event()  # what a "slow" route waits for
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: FakeApi

    def do_GET(self) -> None:
        self.server.authorizations.append(self.headers.get("Authorization"))
        status, body = self.server.routes.get(self.path, (404, b"{}"))
        if status == 0:
            self.server.release.wait()
            status = 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def api() -> Iterator[FakeApi]:
    server = FakeApi()
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


def _backend(api: FakeApi, timeout: float = 5) -> BackendPermissions:
    return BackendPermissions(f"http://127.0.0.1:{api.server_port}/api/v1/", timeout=timeout)


def _json(value: object) -> bytes:
    return orjson.dumps(value)


async def test_project_permissions_come_from_my_permissions(api: FakeApi) -> None:
    # The original Taiga's project detail carries much more; only my_permissions counts.
    api.routes["/api/v1/projects/5"] = (
        200,
        _json({"id": 5, "is_private": True, "my_permissions": ["view_project", "view_us"]}),
    )
    backend = _backend(api)
    assert await backend.fetch(1, 5, "tok") == frozenset({"view_project", "view_us"})
    assert await backend.fetch(None, 5, None) == frozenset({"view_project", "view_us"})
    assert api.authorizations == ["Bearer tok", None]


@pytest.mark.parametrize("status", [403, 404])
async def test_refusals_mean_no_permissions(api: FakeApi, status: int) -> None:
    api.routes["/api/v1/projects/5"] = (status, _json({"detail": "no"}))
    api.routes["/api/v1/users/me"] = (status, _json({"detail": "no"}))
    assert await _backend(api).fetch(1, 5, "tok") == frozenset()
    if status != 404:
        assert await _backend(api).fetch(1, ALL_PROJECTS, "tok") == frozenset()


async def test_a_401_to_an_anonymous_question_means_no_permissions(api: FakeApi) -> None:
    api.routes["/api/v1/projects/5"] = (401, _json({"detail": "log in"}))
    assert await _backend(api).fetch(None, 5, None) == frozenset()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (_json({"detail": "Given token not valid for any token type"}), "not valid for any"),
        (_json({"_error_message": "Invalid token"}), "Invalid token"),
        (b"<html>no</html>", "refused the token$"),
    ],
)
async def test_a_401_to_a_token_is_the_token_refused_with_the_backends_reason(
    api: FakeApi, body: bytes, reason: str
) -> None:
    api.routes["/api/v1/projects/5"] = (401, body)
    api.routes["/api/v1/users/me"] = (401, body)
    for scope in (5, ALL_PROJECTS):
        with pytest.raises(TokenRefused, match=reason):
            await _backend(api).fetch(1, scope, "tok")


async def test_superuser_status_comes_from_users_me(api: FakeApi) -> None:
    backend = _backend(api)
    api.routes["/api/v1/users/me"] = (200, _json({"id": 1, "is_superuser": True}))
    assert await backend.fetch(1, ALL_PROJECTS, "tok") == frozenset({SUPERUSER})
    api.routes["/api/v1/users/me"] = (200, _json({"id": 1, "is_superuser": False}))
    assert await backend.fetch(1, ALL_PROJECTS, "tok") == frozenset()
    api.routes["/api/v1/users/me"] = (200, _json({"id": 1, "is_superuser": "yes"}))
    assert await backend.fetch(1, ALL_PROJECTS, "tok") == frozenset()


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ((500, b"oops"), "HTTP 500"),
        ((200, b"<html>"), "not JSON"),
        ((200, b"[]"), "not a JSON object"),
        ((200, _json({"id": 5})), "without a 'my_permissions' list"),
        ((200, _json({"my_permissions": [1]})), "without a 'my_permissions' list"),
    ],
)
async def test_anything_else_is_unavailable_never_allowed(
    api: FakeApi, answer: tuple[int, bytes], reason: str
) -> None:
    api.routes["/api/v1/projects/5"] = answer
    with pytest.raises(BackendUnavailable, match=reason):
        await _backend(api).fetch(1, 5, "tok")


async def test_unreachable_or_slow_backend_is_unavailable(api: FakeApi) -> None:
    with pytest.raises(BackendUnavailable, match="unreachable"):
        await BackendPermissions(f"http://127.0.0.1:{free_port()}/api/v1").fetch(1, 5, "t")
    api.routes["/api/v1/projects/5"] = (0, _json({"my_permissions": []}))
    with pytest.raises(BackendUnavailable, match="unreachable: timed out"):
        await _backend(api, timeout=0.2).fetch(1, 5, "t")
