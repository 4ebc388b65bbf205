"""Headless Debian Chromium driven by Playwright, skipped (or failed in CI) without it, and
the whole system for it: the live backend and a real gateway that can be restarted."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from taiga.projects.models import Project, Swimlane
from taiga.projects.services import values
from taiga_events import app
from taiga_events.brokers.base import Broker
from taiga_events.brokers.memory import MemoryBroker
from taiga_events.config import Config
from taiga_events.metrics import Metrics

# The end-to-end fixtures (the project, its people, …), all of them, as the client tests do;
# ``stack`` and ``broker_factory`` are redefined below.
from tests.e2e.conftest import *  # noqa: F403
from tests.e2e.conftest import Stack
from tests.outbox import discard_pending_events, in_thread
from tests.services import REQUIRED

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
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


@dataclass(frozen=True)
class Place:
    id: int
    name: str


@dataclass(frozen=True)
class Layout:
    statuses: list[Place]
    swimlanes: list[Place]


class RestartableGateway:
    """A real gateway that can be stopped and started again on the same port, each time
    with a new consumer of the same broker, as a restarted gateway process would be."""

    def __init__(self, config: Config, broker_factory: Callable[[], Broker]) -> None:
        self._config = config
        self._broker_factory = broker_factory
        self._running: app.RunningGateway | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._config.port}/events"

    async def start(self) -> None:
        """Start; the first start picks a free port, the next ones take it again."""
        self._running = await app.start(self._config, self._broker_factory())
        self._config = dataclasses.replace(self._config, port=self._running.port)

    @property
    def metrics(self) -> Metrics:
        """What the running gateway has counted."""
        assert self._running is not None
        return self._running.gateway.metrics

    async def stop(self) -> None:
        """Drain: clients are closed with "going away" and the port refuses connections."""
        if self._running is not None:
            await self._running.stop()
            self._running = None

    def twin(self) -> RestartableGateway:
        """Another gateway process on the same broker, on a port of its own (not started)."""
        return RestartableGateway(dataclasses.replace(self._config, port=0), self._broker_factory)


@dataclass
class BrowserStack(Stack):
    gateway: RestartableGateway

    @property
    def site(self) -> str:
        """The backend's root, where the board is."""
        return self.api.removesuffix("/api/v1")


@pytest.fixture
def broker_factory(settings) -> Callable[[], Broker]:
    """The browser tests are about the page, not the brokers: the in-process one."""
    settings.EVENTS_PUSH_BACKEND = "taiga.events.backends.memory.EventsPushBackend"
    return MemoryBroker


@pytest.fixture
async def stack(
    live_server, project: Project, status_id: int, broker_factory, settings
) -> AsyncIterator[BrowserStack]:
    """The e2e stack (live backend, real gateway), whose gateway can be restarted and which
    the board page connects to."""
    await in_thread(discard_pending_events)
    api = f"{live_server.url}/api/v1"
    config = Config(secret=django_settings.SECRET_KEY, host="127.0.0.1", port=0, api_url=api)
    gateway = RestartableGateway(config, broker_factory)
    await gateway.start()
    settings.TAIGA_EVENTS_URL = gateway.url
    yield BrowserStack(api, gateway.url, project, status_id, gateway)
    await gateway.stop()


@pytest.fixture
def artifacts() -> Path:
    """Where tests leave what people look at afterwards (screenshots of the board, in
    ``test-artifacts/board/``); gitignored."""
    folder = ARTIFACTS / "board"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def layout(project: Project) -> Layout:
    """The project's statuses, and two swimlanes made for it."""
    lanes = [values.create_value(Swimlane, project=project, name=name) for name in ("Web", "API")]
    return Layout(
        statuses=[Place(s.pk, s.name) for s in project.us_statuses.order_by("order", "pk")],
        swimlanes=[Place(lane.pk, lane.name) for lane in lanes],
    )


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
