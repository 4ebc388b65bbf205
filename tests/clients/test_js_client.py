"""The JavaScript client's own tests (Node's test runner) against live gateways, and
against the whole system (backend, broker, gateway)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.clients.harness import MEMORY_ONLY, USER_ID, ControlServer, make_token
from tests.e2e.conftest import PASSWORD, Stack
from tests.services import REQUIRED

CLIENT = Path(__file__).resolve().parents[2] / "clients" / "js"
NODE_TIMEOUT_SECONDS = 50


async def _node() -> tuple[str, int]:
    """The node executable and its major version; skip (fail in CI) without Node.js 20+."""
    node = shutil.which("node")
    major = 0
    if node is not None:
        process = await asyncio.create_subprocess_exec(
            node, "--version", stdout=asyncio.subprocess.PIPE
        )
        version = (await process.communicate())[0].decode()
        major = int(re.match(r"v(\d+)", version).group(1))
        if major >= 20:
            return node, major
    reason = (
        "node is not installed" if node is None else f"node is version {major}"
    ) + ": the JavaScript client's tests need Node.js 20 or newer"
    if REQUIRED:
        pytest.fail(f"{reason} (TAIGA_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture
async def control_url() -> AsyncIterator[str]:
    control = ControlServer()
    yield await control.start()
    await control.close()


@MEMORY_ONLY
async def test_js_client_against_live_gateways(control_url: str, stack: Stack) -> None:
    node, major = await _node()
    # Node 20 and 21 have WebSocket only behind a flag; later versions have it always.
    flags = ["--experimental-websocket"] if major < 22 else []
    process = await asyncio.create_subprocess_exec(
        node,
        *flags,
        "--test",
        "--test-reporter=spec",
        # Files rather than the folder: how a folder is read differs between Node versions.
        *sorted(str(path.relative_to(CLIENT)) for path in CLIENT.glob("test/*.test.js")),
        cwd=CLIENT,
        env={
            **os.environ,
            "TAIGA_EVENTS_CONTROL_URL": control_url,
            "TAIGA_EVENTS_TOKEN": make_token(),
            "TAIGA_EVENTS_USER_ID": str(USER_ID),
            "TAIGA_SYSTEM_EVENTS_URL": stack.events_url,
            "TAIGA_SYSTEM_API_URL": stack.api,
            "TAIGA_SYSTEM_PROJECT_ID": str(stack.project.pk),
            "TAIGA_SYSTEM_PASSWORD": PASSWORD,
            "NO_COLOR": "1",
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output = (await asyncio.wait_for(process.communicate(), NODE_TIMEOUT_SECONDS))[0].decode()
    except TimeoutError:
        process.kill()
        output = (await process.communicate())[0].decode()
        pytest.fail(f"node's tests did not finish in {NODE_TIMEOUT_SECONDS} s:\n{output}")
    assert process.returncode == 0, f"node's tests failed:\n{output}"
    # Guard against a silent skip: the live tests must have run.
    assert re.search(r"skipped 0\b", output), output
    assert "against a live gateway" in output, output
    assert "against the whole system" in output, output
