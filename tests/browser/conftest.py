"""Headless Debian Chromium driven by Playwright, skipped (or failed in CI) without it."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator

import pytest

from tests.e2e.conftest import (  # noqa: F401 (shared fixtures)
    gateway_settings,
    people,
    project,
    stack,
    status_id,
)
from tests.services import REQUIRED

CHROMIUM = "/usr/bin/chromium"
# Without the networking flags Chromium keeps trying to reach hosts this machine cannot.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    try:
        from playwright.async_api import async_playwright
    except ImportError as exc:
        reason = f"Playwright is not installed: {exc}"
        pytest.fail(reason) if REQUIRED else pytest.skip(reason)
    if not shutil.which(CHROMIUM):
        reason = f"{CHROMIUM} is not installed (apt-get install -y chromium)"
        pytest.fail(reason) if REQUIRED else pytest.skip(reason)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()
