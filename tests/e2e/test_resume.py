"""A client that loses its gateway resumes where it stopped, on every broker: HTTP →
backend → outbox → broker → a gateway started again → the client, missing nothing."""

from __future__ import annotations

import asyncio

import orjson
from django.conf import settings as django_settings
from websockets.asyncio.client import connect

from taiga.events.relay import get_relay
from taiga_events import app
from taiga_events.config import Config
from tests.e2e.conftest import Stack, send
from tests.outbox import discard_pending_events, in_thread


async def _next_event(ws, matches: str = "userstories.userstory") -> dict:
    """The next event about ``matches`` (others, such as the project's own, are skipped)."""
    while True:
        frame = orjson.loads(await asyncio.wait_for(ws.recv(), timeout=30))
        if frame.get("data", {}).get("matches") == matches:
            return frame


async def test_a_client_resumes_on_a_gateway_started_again(
    live_server, project, status_id, broker_factory
) -> None:
    await in_thread(discard_pending_events)
    api = f"{live_server.url}/api/v1"
    config = Config(secret=django_settings.SECRET_KEY, host="127.0.0.1", port=0, api_url=api)
    stack = Stack(api, "", project, status_id)
    token = await stack.login("owner")
    pattern = f"changes.project.{project.pk}.*"

    async def create(subject: str) -> int:
        body = {"project": project.pk, "subject": subject, "status": status_id}
        created = await stack.http("POST", "/userstories", body, token=token)
        assert created.status == 201, created.body
        return created.body["id"]

    first = await app.start(config, broker_factory())
    async with connect(f"ws://127.0.0.1:{first.port}/events") as ws:
        await send(ws, cmd="auth", data={"token": token})
        assert (await send(ws, cmd="subscribe", routing_key=pattern, id=2))["cmd"] == "ack"
        seen = await create("Seen live")
        event = await _next_event(ws)
        assert event["data"]["pk"] == seen
    await first.stop()

    missed = [await create(f"Missed {n}") for n in range(3)]

    second = await app.start(config, broker_factory())
    # On the in-process bus the events waited in the outbox for a gateway to exist: the
    # relay of `make run` sends them now (a network broker's relay did not wait).
    await in_thread(lambda: get_relay().relay_pass(leased=False))
    try:
        async with connect(f"ws://127.0.0.1:{second.port}/events") as ws:
            await send(ws, cmd="auth", data={"token": token})
            since = {"position": event["position"], "epoch": event["epoch"]}
            reply = await send(ws, cmd="subscribe", routing_key=pattern, since=since, id=2)
            assert (reply["cmd"], reply.get("recovered")) == ("ack", True), reply
            replayed = [await _next_event(ws) for _ in missed]
            assert [e["data"] for e in replayed] == [
                {"type": "create", "matches": "userstories.userstory", "pk": pk} for pk in missed
            ]
            positions = [e["position"] for e in replayed]
            assert positions == sorted(positions) and positions[0] > event["position"]
            # Then live, with no gap and no repeat at the seam.
            after = await create("After the resume")
            assert (await _next_event(ws))["data"]["pk"] == after
    finally:
        await second.stop()
