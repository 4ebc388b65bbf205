"""The Python client's permission claims: kept and replaced as they should be, sent with
``auth`` to a gateway that then asks the backend nothing, and sent again before they expire."""

from __future__ import annotations

import asyncio
import base64
import time

import orjson

from taiga_events.clients.claims import RETRY_SECONDS, Claims, project_ids, read_claims
from taiga_events.clients.client import EventsClient, EventsError
from tests.gateway.conftest import VIEW_ALL, make_claims, make_token, start_gateway, until


def token(payload: dict) -> str:
    """A JWT-shaped token with these claims (the client reads them, it does not verify)."""
    return "e30." + base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=") + ".sig"


def claims(n: int, ids: list[int] = [5]) -> str:  # noqa: B006
    return token({"n": n, "iat": 100, "exp": 130, "projects": {str(i): [] for i in ids}})


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_projects_followed_are_those_of_project_patterns() -> None:
    patterns = ["changes.project.12.*", "changes.project.5", "changes.project.5.tasks.#"]
    assert project_ids([*patterns, "changes.#", "web_notifications.3", "x.project.9"]) == [5, 12]


def test_claims_say_their_lifetime_and_projects_anything_else_is_not_claims() -> None:
    assert read_claims(claims(1, [5, 12])) == (30, frozenset({5, 12}))
    assert read_claims(token({"iat": 100})) is None
    assert read_claims(token({"iat": 100, "exp": 100})) is None
    assert read_claims(token({"iat": 100, "exp": 130, "projects": {"x": []}})) is None
    assert read_claims("not.a-token") is None
    assert read_claims("") is None


async def test_kept_while_fresh_and_covering_replaced_at_two_thirds_of_their_lifetime() -> None:
    clock = Clock()
    asked: list[list[int]] = []

    async def source(ids: list[int]) -> str:
        asked.append(ids)
        return claims(len(asked), ids)

    kept = Claims(source, clock)
    assert await kept.get([5]) == claims(1, [5])
    assert kept.refresh_in() == 20
    clock.now = 19.9
    assert await kept.get([5]) == claims(1, [5])
    assert await kept.get([5], fresh=True) == claims(2, [5])
    assert await kept.get([5, 6]) == claims(3, [5, 6])  # a project they do not cover
    clock.now += 20
    assert await kept.get([5]) == claims(4, [5])
    assert asked == [[5], [5], [5, 6], [5]]


async def test_a_failing_source_leaves_the_valid_claims_then_none_and_is_asked_later() -> None:
    clock = Clock()
    failing = False

    def source(ids: list[int]) -> str:
        if failing:
            raise OSError("the backend is away")
        return claims(1)

    kept = Claims(source, clock)
    assert await kept.get([5]) == claims(1)
    failing = True
    clock.now = 25
    assert await kept.get([5]) == claims(1)
    assert kept.refresh_in() == RETRY_SECONDS
    clock.now = 30
    assert await kept.get([5]) is None
    unreadable = Claims(lambda ids: "not claims", clock)
    assert await unreadable.get([5]) is None
    assert unreadable.refresh_in() == RETRY_SECONDS


async def test_claims_go_with_auth_and_fresh_ones_follow_before_they_expire() -> None:
    gateway = await start_gateway()
    asked: list[list[int]] = []

    def permissions(ids: list[int]) -> str:
        asked.append(ids)
        now = time.time()
        return make_claims(7, {5: VIEW_ALL}, iat=now, exp=now + 1.5)

    client = EventsClient(gateway.url, token=make_token(7), permissions=permissions)
    try:
        subscribed = asyncio.create_task(client.subscribe("changes.project.5.*"))
        await client.connect()
        await subscribed
        assert asked == [[5]]
        # The gateway took the claims' word: the backend was not asked.
        assert gateway.backend.asked == []
        # At two thirds of their lifetime, new ones on the open connection.
        claimed = gateway.running.gateway.metrics.permission_claims
        await until(lambda: claimed["accepted"] == 2)
        assert asked == [[5], [5]]
    finally:
        await client.close()
        await gateway.running.stop()


async def test_refused_claims_are_reported_and_the_connection_is_authenticated() -> None:
    gateway = await start_gateway()
    gateway.backend.grant(5, 7)
    client = EventsClient(
        gateway.url,
        token=make_token(7),
        permissions=lambda ids: make_claims(8, {5: VIEW_ALL}),
    )
    errors: list[EventsError] = []
    client.on_error(errors.append)
    try:
        await client.connect()
        assert [(error.code, error.routing_key) for error in errors] == [
            ("invalid_permissions", None)
        ]
        await client.subscribe("changes.project.5.*")
        assert [(user, scope) for user, scope, _ in gateway.backend.asked] == [(7, 5)]
    finally:
        await client.close()
        await gateway.running.stop()
