"""The seed's browser-console snippet, pasted into a page of the site, in a real browser."""

from __future__ import annotations

import asyncio

from tests.e2e.conftest import Stack

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
    event_ids, positions = set(), []
    for change in ("create", "change", "delete"):
        event = await asyncio.wait_for(received.get(), timeout=10)
        event_ids.add(event.pop("event_id"))
        positions.append(event.pop("position"))
        assert isinstance(event.pop("epoch"), str)
        assert event == {
            "routing_key": key,
            "session_id": "test-session-123",
            "data": {"type": change, "matches": "userstories.userstory", "pk": pk},
        }
    assert len(event_ids) == 3
    assert positions == sorted(positions) and len(set(positions)) == 3
    await page.close()
