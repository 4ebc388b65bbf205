"""The seed's browser-console snippet and the live page, in a real browser."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.e2e.conftest import Stack

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARTIFACTS.mkdir(exist_ok=True)

SEED_SNIPPET = """
const ws = new WebSocket('%(events_url)s');

ws.onopen = () => {
    console.log('Connected to taiga-events');

    // Subscribe to project changes
    ws.send(JSON.stringify({
        cmd: 'subscribe',
        routing_key: 'changes.project.%(project_id)s.*'
    }));
};

ws.onmessage = (event) => {
    const data = JSON.parse(event.data);
    console.log('Received event:', data);
};
"""


@pytest.fixture
def broker_factory(settings):
    from taiga_events.brokers.memory import MemoryBroker

    settings.EVENTS_PUSH_BACKEND = "taiga.events.backends.memory.EventsPushBackend"
    return MemoryBroker


async def test_console_snippet_logs_the_curl_commands_events(stack: Stack, browser) -> None:
    page = await browser.new_page()
    await page.goto(stack.api.removesuffix("/api/v1") + "/")
    connected = asyncio.get_running_loop().create_future()
    received: asyncio.Queue = asyncio.Queue()

    async def on_console(message) -> None:
        if message.text == "Connected to taiga-events" and not connected.done():
            connected.set_result(True)
        elif message.text.startswith("Received event:"):
            await received.put(await message.args[1].json_value())

    page.on("console", on_console)
    # A classic script runs in the global scope, as the console does.
    await page.add_script_tag(
        content=SEED_SNIPPET % {"events_url": stack.events_url, "project_id": stack.project.pk}
    )
    await asyncio.wait_for(connected, timeout=10)
    # The gateway handles a connection's frames in order: the pong proves the subscription
    # the snippet sent first is live.
    await page.evaluate("ws.send(JSON.stringify({cmd: 'ping'}))")
    assert await asyncio.wait_for(received.get(), timeout=10) == {"cmd": "pong"}
    token = await stack.login("alice")
    body = {"project": stack.project.pk, "subject": "Test user story", "status": stack.status_id}
    created = await stack.http(
        "POST", "/userstories", body, token=token, session_id="test-session-123"
    )
    pk = created.body["id"]
    await stack.http(
        "PATCH",
        f"/userstories/{pk}",
        {"subject": "Updated subject"},
        token=token,
        session_id="test-session-123",
    )
    await stack.http("DELETE", f"/userstories/{pk}", token=token, session_id="test-session-123")
    key = f"changes.project.{stack.project.pk}.userstories.userstory"
    for change in ("create", "change", "delete"):
        assert await asyncio.wait_for(received.get(), timeout=10) == {
            "routing_key": key,
            "session_id": "test-session-123",
            "data": {"type": change, "matches": "userstories.userstory", "pk": pk},
        }
    await page.close()


async def test_live_page_shows_the_projects_events(stack: Stack, browser, settings) -> None:
    settings.TAIGA_EVENTS_URL = stack.events_url
    page = await browser.new_page()
    await page.goto(f"{stack.api.removesuffix('/api/v1')}/?project={stack.project.pk}")
    # "live" is shown once the gateway has acknowledged the subscription.
    await page.locator("#state", has_text="live").wait_for(timeout=10_000)
    token = await stack.login("bob")
    body = {"project": stack.project.pk, "subject": "Seen live", "status": stack.status_id}
    created = await stack.http("POST", "/userstories", body, token=token, session_id="bob-1")
    pk = created.body["id"]
    entry = page.locator("#log li").first
    await entry.wait_for(timeout=10_000)
    assert (await entry.locator(".type").text_content()) == "create"
    assert f'"pk":{pk}' in await entry.locator("code").text_content()
    await stack.http("DELETE", f"/userstories/{pk}", token=token, session_id="bob-1")
    await page.locator("#log li .type", has_text="delete").wait_for(timeout=10_000)
    await page.screenshot(path=str(ARTIFACTS / "live-page.png"))
    await page.close()
