"""``taiga-events doctor``: the seed's "Events Not Received" checklist, against a live system.

Each step prints ``ok`` or ``FAIL`` with the reason and what to look at; the first failure
ends the run with exit status 1, since later steps depend on it. The last steps make a real
change (a user story created and deleted in a project the user may edit) and watch its
events come back through the backend, the broker and the gateway, with selfNotification.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus, WebSocketException

from .client import (
    ApiError,
    ChangeEvent,
    EventsClient,
    EventsError,
    EventStream,
    Reply,
    api_request,
    encode_command,
    parse_frame,
)
from .tail import UsageError, add_connection_arguments, token_from_args

T = TypeVar("T")

BROKER_HINT = (
    "the backend's EVENTS_PUSH_BACKEND and the gateway's broker must be the same RabbitMQ or "
    "PostgreSQL (the in-process broker only reaches a gateway in the backend's own process), "
    "and taiga.events must be in INSTALLED_APPS so that its signal handlers are connected"
)


class StepFailed(Exception):
    """A checklist step failed; the message says why and what to look at."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Set up ``doctor``'s arguments on its subparser."""
    add_connection_arguments(parser)
    parser.add_argument(
        "--project",
        type=int,
        help="project to make the test change in (default: the first the user may add to)",
    )
    parser.add_argument(
        "--health-url",
        help="the gateway's /healthz (on its APP_PORT, e.g. http://localhost:3023/healthz), "
        "to check its broker link",
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds to wait at each step (10)"
    )


async def run(args: argparse.Namespace) -> int:
    """Walk the checklist; 0 if every step passed, 1 at the first failure."""
    doctor = _Doctor(args)
    try:
        for name, step in doctor.steps():
            try:
                detail = await step()
            except StepFailed as exc:
                print(f"FAIL  {name}: {exc}", flush=True)
                return 1
            print(f"ok    {name}: {detail}", flush=True)
        if doctor.token is None:
            print(
                "skip  auth, subscription and test event: they need --token or "
                "--username/--password",
                flush=True,
            )
    finally:
        await doctor.close()
    return 0


Step = Callable[[], Awaitable[str]]


class _Doctor:
    """The steps, and what each leaves for the next (connection, token, project…)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.api_url = args.api_url.rstrip("/")
        self.timeout: float = args.timeout
        self.websocket: ClientConnection | None = None
        self.token: str | None = None
        self.client: EventsClient | None = None
        self.project_id: int | None = None
        self.session_ids: set[str | None] = set()

    def steps(self) -> list[tuple[str, Step]]:
        steps: list[tuple[str, Step]] = [
            ("gateway reachable", self.gateway_reachable),
            ("WebSocket opens", self.websocket_opens),
            ("ping/pong", self.ping_pong),
        ]
        if self.args.health_url:
            steps.append(("broker connected", self.broker_connected))
        steps.append(("backend API reachable", self.backend_reachable))
        if self.args.token or self.args.username:
            steps += [
                ("credentials", self.credentials),
                ("auth accepted", self.auth_accepted),
                ("project to test with", self.choose_project),
                ("subscription accepted", self.subscription_accepted),
                ("test event round-trips", self.round_trip),
                ("own session id carried", self.session_id_carried),
            ]
        return steps

    async def close(self) -> None:
        if self.websocket is not None:
            await self.websocket.close()
        if self.client is not None:
            await self.client.close()

    async def _within(self, awaitable: Awaitable[T], waiting_for: str) -> T:
        try:
            return await asyncio.wait_for(awaitable, self.timeout)
        except TimeoutError:
            raise StepFailed(f"no {waiting_for} within {self.timeout:g} s") from None

    async def _api(self, method: str, path: str, body: object = None, **options: Any) -> Any:
        return await asyncio.to_thread(
            api_request,
            method,
            self.api_url + path,
            body,
            token=self.token,
            timeout=self.timeout,
            **options,
        )

    # The checklist ------------------------------------------------------------------------

    async def gateway_reachable(self) -> str:
        parts = urlsplit(self.args.url)
        if parts.scheme not in ("ws", "wss") or not parts.hostname:
            raise StepFailed(f"{self.args.url} is not a ws:// or wss:// URL")
        port = parts.port or (443 if parts.scheme == "wss" else 80)
        try:
            _, writer = await self._within(
                asyncio.open_connection(parts.hostname, port), "connection"
            )
        except OSError as exc:
            raise StepFailed(
                f"nothing accepts connections at {parts.hostname}:{port} "
                f"({os.strerror(exc.errno) if exc.errno else exc}): "
                "is taiga-events running (taiga-events serve)?"
            ) from None
        writer.close()
        return f"{parts.hostname}:{port} accepts connections"

    async def websocket_opens(self) -> str:
        try:
            self.websocket = await connect(
                self.args.url, open_timeout=self.timeout, ping_interval=None
            )
        except InvalidStatus as exc:
            raise StepFailed(
                f"the server answered HTTP {exc.response.status_code}: "
                f"is {self.args.url} the gateway's /events endpoint?"
            ) from None
        except (OSError, TimeoutError, WebSocketException) as exc:
            raise StepFailed(f"the WebSocket handshake failed: {exc}") from None
        return self.args.url

    async def ping_pong(self) -> str:
        assert self.websocket is not None
        started = time.perf_counter()
        await self.websocket.send(encode_command("ping", 1))

        async def pong() -> None:
            while True:
                reply = parse_frame(await self.websocket.recv())
                if isinstance(reply, Reply) and (reply.kind, reply.id) == ("pong", 1):
                    return

        await self._within(pong(), "pong")
        return f"pong in {(time.perf_counter() - started) * 1000:.0f} ms"

    async def broker_connected(self) -> str:
        url = self.args.health_url
        try:
            await asyncio.to_thread(api_request, "GET", url, timeout=self.timeout)
        except ApiError as exc:
            raise StepFailed(f"{url} answered HTTP {exc.status}: {exc.detail}") from None
        except OSError as exc:
            raise StepFailed(f"cannot reach {url} ({exc}): is it the gateway's APP_PORT?") from None
        return f"{url} says the gateway's broker link is up"

    async def backend_reachable(self) -> str:
        try:
            await self._api("GET", "/projects")
        except ApiError as exc:
            raise StepFailed(f"{self.api_url}/projects answered {exc}") from None
        except OSError as exc:
            raise StepFailed(
                f"cannot reach {self.api_url} ({exc}): is the backend running, "
                "and is --api-url its /api/v1?"
            ) from None
        return f"{self.api_url} answers"

    async def credentials(self) -> str:
        try:
            self.token = await token_from_args(self.args)
        except UsageError as exc:
            raise StepFailed(str(exc)) from None
        except ApiError as exc:
            raise StepFailed(f"the backend refused {self.args.username}: {exc.detail}") from None
        except OSError as exc:
            raise StepFailed(f"cannot log in at {self.api_url}: {exc}") from None
        if self.args.token:
            return "token given"
        return f"logged in to the backend as {self.args.username}"

    async def auth_accepted(self) -> str:
        self.client = EventsClient(self.args.url, token=self.token)
        try:
            await self._within(self.client.connect(), "answer to auth")
        except EventsError as exc:
            raise StepFailed(
                f"the gateway refused the token ({exc.message}): the gateway's SECRET must be "
                "the backend's SECRET_KEY, and the token must not have expired"
            ) from None
        return "the gateway accepted the token"

    async def choose_project(self) -> str:
        try:
            if self.args.project is not None:
                projects = [await self._api("GET", f"/projects/{self.args.project}")]
            else:
                listed = await self._api("GET", "/projects")
                projects = listed["results"] if isinstance(listed, dict) else listed
        except (ApiError, OSError) as exc:
            raise StepFailed(f"cannot read the projects: {exc}") from None
        for project in projects:
            if "add_us" in project.get("my_permissions", ()):
                self.project_id = project["id"]
                return f"project {project['id']} ({project.get('name', '?')})"
        which = f"project {self.args.project}" if self.args.project is not None else "any project"
        raise StepFailed(f"this user may not add user stories to {which}: pass --project")

    async def subscription_accepted(self) -> str:
        assert self.client is not None
        pattern = f"changes.project.{self.project_id}.*"
        try:
            await self._within(
                self.client.subscribe(pattern, self_notification=True), "answer to subscribe"
            )
        except EventsError as exc:
            hint = (
                ": the gateway cannot ask the backend for permissions (its TAIGA_API_URL)"
                if exc.code == "backend_unavailable"
                else ""
            )
            raise StepFailed(f"the gateway refused {pattern}: {exc}{hint}") from None
        return f"{pattern} (with selfNotification, to see this test's own changes)"

    async def round_trip(self) -> str:
        assert self.client is not None
        events = self.client.events(f"changes.project.{self.project_id}.*")
        created: int | None = None
        deleted = False
        try:
            body = {"project": self.project_id, "subject": "taiga-events doctor test"}
            created = (await self._change("POST", "/userstories", body))["id"]
            await self._expect(events, "create", created)
            await self._change("DELETE", f"/userstories/{created}")
            deleted = True
            await self._expect(events, "delete", created)
        finally:
            events.close()
            if created is not None and not deleted:  # do not leave the test story behind
                with contextlib.suppress(ApiError, OSError):
                    await self._api("DELETE", f"/userstories/{created}")
        return f"user story #{created} created and deleted; both events arrived"

    async def _change(self, method: str, path: str, body: object = None) -> Any:
        assert self.client is not None
        try:
            return await self._api(method, path, body, session_id=self.client.session_id)
        except (ApiError, OSError) as exc:
            raise StepFailed(f"{method} {self.api_url}{path} failed: {exc}") from None

    async def _expect(self, events: EventStream, change_type: str, pk: int) -> None:
        async def arrival() -> None:
            async for event in events:
                if isinstance(event, ChangeEvent) and event.type == change_type and pk in event.pks:
                    self.session_ids.add(event.session_id)
                    return

        try:
            await asyncio.wait_for(arrival(), self.timeout)
        except TimeoutError:
            raise StepFailed(
                f"no {change_type!r} event for user story #{pk} within {self.timeout:g} s: "
                + BROKER_HINT
            ) from None

    async def session_id_carried(self) -> str:
        assert self.client is not None
        if self.session_ids != {self.client.session_id}:
            found = ", ".join(sorted(map(repr, self.session_ids)))
            raise StepFailed(
                f"the events carry session_id {found}, not the x-session-id sent "
                f"({self.client.session_id!r}): is taiga.events.middleware.SessionIDMiddleware "
                "in the backend's MIDDLEWARE? Without it clients apply their own changes twice"
            )
        return "the events carry this client's x-session-id, so clients can skip their own"
