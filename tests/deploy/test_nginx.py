"""Through nginx on one port, as Taiga operators run it: the seed's console snippet and
curl commands, the board with its static files, and idle clients that ping."""

from __future__ import annotations

import asyncio
import re
import shlex
import subprocess
from collections.abc import AsyncIterator

import orjson
from websockets.asyncio.client import connect

from taiga_events.clients.client import EventsClient, State
from tests.deploy.conftest import BIN, ROOT, Production, http_get
from tests.e2e.conftest import ping

# The seed's curl commands ("Using curl to Trigger Events"), with a login first as the
# README has it; {api} is the site's API through nginx.
LOGIN = """curl -s -X POST {api}/auth \\
  -H "Content-Type: application/json" \\
  -d '{{"type": "normal", "username": "admin", "password": "123123"}}'"""
CREATE = """curl -X POST {api}/userstories \\
  -H "Authorization: Bearer {token}" \\
  -H "x-session-id: test-session-123" \\
  -H "Content-Type: application/json" \\
  -d '{{
    "project": {project},
    "subject": "Test user story",
    "status": {status}
  }}'"""
UPDATE = """curl -X PATCH {api}/userstories/{pk} \\
  -H "Authorization: Bearer {token}" \\
  -H "x-session-id: test-session-123" \\
  -H "Content-Type: application/json" \\
  -d '{{"subject": "Updated subject"}}'"""
DELETE = """curl -X DELETE {api}/userstories/{pk} \\
  -H "Authorization: Bearer {token}" \\
  -H "x-session-id: test-session-123\""""


async def curl(command: str, **values: object) -> bytes:
    """Run a curl command as a shell would (one command, continued lines)."""
    argv = shlex.split(command.format(**values).replace("\\\n", " "))
    result = await asyncio.to_thread(
        subprocess.run, ["curl", "-s", "--fail-with-body", *argv[1:]], capture_output=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


async def about(frames: object, pk: int) -> dict:
    """The next event about story ``pk``: RabbitMQ is shared, and other systems' demo
    projects may have the same id (their events reach this gateway too)."""
    async with asyncio.timeout(10):
        while (frame := await anext(frames))["data"].get("pk") != pk:
            pass
    return frame


async def frames_of(ws: object) -> AsyncIterator[dict]:
    async for message in ws:
        frame = orjson.loads(message)
        frame.pop("event_id", None)
        # Where it is in the stream: the same on both workers.
        assert isinstance(frame.pop("position"), int) and frame.pop("epoch")
        yield frame


async def demo_ids(production: Production, api: str, token: str) -> tuple[int, int]:
    """The demo project's id and its first status, asked through nginx."""
    projects = orjson.loads(await curl(f'curl {api}/projects -H "Authorization: Bearer {token}"'))
    project = next(p["id"] for p in projects if p["slug"] == "demo-project")
    statuses = orjson.loads(await curl(f"curl '{api}/userstory-statuses?project={project}'"))
    return project, statuses[0]["id"]


async def test_the_seed_snippet_and_curl_commands_work_through_nginx(
    production: Production,
) -> None:
    api = production.site + "/api/v1"
    token = orjson.loads(await curl(LOGIN, api=api))["auth_token"]
    project, status = await demo_ids(production, api, token)
    # The board's page names the gateway behind the same host: /events.
    _, _, page = await asyncio.to_thread(http_get, production.site + "/")
    assert f'"eventsUrl": "{production.events_url}"' in page.decode()

    # The snippet: an anonymous socket that follows the (public) demo project.
    async with connect(production.events_url) as ws:
        subscribe = {"cmd": "subscribe", "routing_key": f"changes.project.{project}.*"}
        await ws.send(orjson.dumps(subscribe).decode())
        await ping(ws)
        created = await curl(CREATE, api=api, token=token, project=project, status=status)
        pk = orjson.loads(created)["id"]
        await curl(UPDATE, api=api, token=token, pk=pk)
        await curl(DELETE, api=api, token=token, pk=pk)
        frames = frames_of(ws)
        for change in ("create", "change", "delete"):
            assert await about(frames, pk) == {
                "routing_key": f"changes.project.{project}.userstories.userstory",
                "session_id": "test-session-123",
                "data": {"type": change, "matches": "userstories.userstory", "pk": pk},
            }


async def test_nginx_serves_the_collected_static_files_of_the_board(
    production: Production,
) -> None:
    for url_path, source in (
        ("/assets/board/app.js", ROOT / "taiga" / "front" / "static" / "front" / "app.js"),
        ("/assets/board/board.css", ROOT / "taiga" / "front" / "static" / "front" / "board.css"),
        ("/assets/taiga-events/taiga-events.js", ROOT / "clients" / "js" / "taiga-events.js"),
    ):
        status, headers, body = await asyncio.to_thread(http_get, production.site + url_path)
        assert status == 200
        assert body == source.read_bytes()
        assert headers["Cache-Control"] == "no-cache"
        # nginx's own file serving (Django's view sends no ETag), from the collected copy.
        assert re.fullmatch(r'"[0-9a-f]+-[0-9a-f]+"', headers["ETag"])
        assert headers["Content-Type"].split(";")[0] in ("application/javascript", "text/css")


async def test_the_board_goes_live_through_nginx(production: Production, browser) -> None:
    from playwright.async_api import expect

    page = await browser.new_page()
    await page.goto(production.site + "/")
    await expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    await expect(page.locator(".card").first).to_be_visible()
    await page.close()


async def test_a_pinging_client_outlives_nginx_idle_timeout_a_silent_one_does_not(
    production: Production,
) -> None:
    # nginx cuts a WebSocket after proxy_read_timeout without traffic (1 s here, 120 s as
    # shipped); the client's ping every 0.3 s (30 s as shipped) keeps its socket.
    with production.nginx(
        "short-timeout",
        **{"proxy_read_timeout 120s;": "proxy_read_timeout 1s;"},
    ) as port:
        url = f"ws://127.0.0.1:{port}/events"
        states: list[State] = []
        async with EventsClient(url, ping_interval=0.3, pong_timeout=5) as client:
            client.on_state(lambda change: states.append(change.state))
            api = production.site + "/api/v1"
            token = orjson.loads(await curl(LOGIN, api=api))["auth_token"]
            project, status = await demo_ids(production, api, token)
            await client.subscribe(f"changes.project.{project}.*")
            # Two silent sockets in turn: each is cut by nginx, so the client lived through
            # more than two of its timeouts.
            for _ in range(2):
                silent = await connect(url, ping_interval=None)
                await asyncio.wait_for(silent.wait_closed(), timeout=30)
                assert silent.close_code == 1006  # cut, not closed by the gateway
            events = client.events()
            created = orjson.loads(
                await curl(CREATE, api=api, token=token, project=project, status=status)
            )
            async with asyncio.timeout(10):
                while (await anext(events)).data.get("pk") != created["id"]:
                    pass  # other systems' events (see ``about``)
            assert states == []  # never reconnected
            assert client.state is State.OPEN


async def test_doctor_checks_the_deployed_system_through_nginx(production: Production) -> None:
    # The check docs/DEPLOY.md gives, down to a real change seen coming back.
    doctor = await asyncio.create_subprocess_exec(
        str(BIN / "taiga-events"),
        "doctor",
        "--url",
        production.events_url,
        "--api-url",
        production.site + "/api/v1",
        "--health-url",
        f"http://127.0.0.1:{production.gateway_app_port}/healthz",
        "--username",
        "admin",
        "--password",
        "123123",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = (await asyncio.wait_for(doctor.stdout.read(), timeout=60)).decode()
    assert await doctor.wait() == 0, output
    assert "FAIL" not in output
