"""``taiga-events doctor`` against running systems: healthy ones and broken ones."""

from __future__ import annotations

import re

from django.conf import settings as django_settings

from taiga.projects.userstories.models import UserStory
from taiga_events import app
from taiga_events.brokers.memory import MemoryBroker, MemoryBus
from taiga_events.clients import doctor
from taiga_events.config import Config
from tests.clients.cli import parse
from tests.clients.harness import MEMORY_ONLY, TestGateway
from tests.e2e.conftest import PASSWORD, Stack
from tests.processes import free_port

CHECKLIST = [
    "gateway reachable",
    "WebSocket opens",
    "ping/pong",
    "backend API reachable",
    "credentials",
    "auth accepted",
    "project to test with",
    "subscription accepted",
    "test event round-trips",
    "own session id carried",
]


def lines(capsys) -> list[tuple[str, str, str]]:
    """(status, step, reason) of each line printed."""
    return [
        re.fullmatch(r"(ok|FAIL|skip)\s+([^:]+): (.*)", line).groups()
        for line in capsys.readouterr().out.splitlines()
    ]


def login_args(stack: Stack, password: str = PASSWORD) -> list[str]:
    return [
        "--url",
        stack.events_url,
        "--api-url",
        stack.api,
        "--username",
        "alice",
        "--password",
        password,
    ]


async def test_a_healthy_system_passes_every_step(stack: Stack, capsys) -> None:
    assert await doctor.run(parse(doctor, login_args(stack))) == 0
    printed = lines(capsys)
    assert [(status, step) for status, step, _ in printed] == [("ok", s) for s in CHECKLIST]
    reasons = dict((step, reason) for _, step, reason in printed)
    assert reasons["project to test with"] == f"project {stack.project.pk} (Live)"
    assert re.fullmatch(
        r"user story #\d+ created and deleted; both events arrived",
        reasons["test event round-trips"],
    )
    # The test story was deleted again.
    assert not await UserStory.objects.filter(project=stack.project).aexists()


@MEMORY_ONLY
async def test_with_a_token_and_a_project(stack: Stack, capsys) -> None:
    token = await stack.login("alice")
    argv = ["--url", stack.events_url, "--api-url", stack.api, "--token", token]
    assert await doctor.run(parse(doctor, [*argv, "--project", str(stack.project.pk)])) == 0
    printed = lines(capsys)
    assert printed[4] == ("ok", "credentials", "token given")
    assert all(status == "ok" for status, _, _ in printed)


async def test_nothing_listening_fails_the_first_step(capsys) -> None:
    port = free_port()
    argv = ["--url", f"ws://127.0.0.1:{port}/events", "--token", "t"]
    assert await doctor.run(parse(doctor, argv)) == 1
    [(status, step, reason)] = lines(capsys)
    assert (status, step) == ("FAIL", "gateway reachable")
    assert reason.startswith(f"nothing accepts connections at 127.0.0.1:{port}")
    assert "is taiga-events running" in reason


async def test_a_wrong_path_fails_the_websocket_step(gateway: TestGateway, capsys) -> None:
    argv = ["--url", f"ws://127.0.0.1:{gateway.port}/nope"]
    assert await doctor.run(parse(doctor, argv)) == 1
    assert lines(capsys)[-1] == (
        "FAIL",
        "WebSocket opens",
        f"the server answered HTTP 404: is ws://127.0.0.1:{gateway.port}/nope "
        "the gateway's /events endpoint?",
    )


async def test_without_credentials_only_the_connection_is_checked(
    gateway: TestGateway, capsys
) -> None:
    argv = ["--url", gateway.url, "--api-url", f"http://127.0.0.1:{free_port()}/api/v1"]
    assert await doctor.run(parse(doctor, argv)) == 1
    printed = lines(capsys)
    assert [(status, step) for status, step, _ in printed] == [
        ("ok", "gateway reachable"),
        ("ok", "WebSocket opens"),
        ("ok", "ping/pong"),
        ("FAIL", "backend API reachable"),
    ]
    assert "is the backend running" in printed[-1][2]


@MEMORY_ONLY
async def test_a_bad_password_fails_at_the_credentials(stack: Stack, capsys) -> None:
    assert await doctor.run(parse(doctor, login_args(stack, password="wrong"))) == 1
    status, step, reason = lines(capsys)[-1]
    assert (status, step) == ("FAIL", "credentials")
    assert reason.startswith("the backend refused alice: Username or password does not match")


async def test_a_gateway_on_another_broker_fails_the_round_trip(
    live_server, project, settings, capsys
) -> None:
    # The backend publishes on the process-wide bus; this gateway listens to another one.
    settings.EVENTS_PUSH_BACKEND = "taiga.events.backends.memory.EventsPushBackend"
    api = f"{live_server.url}/api/v1"
    config = Config(
        secret=django_settings.SECRET_KEY, host="127.0.0.1", port=0, app_port=0, api_url=api
    )
    running = await app.start(config, MemoryBroker(MemoryBus()))
    try:
        argv = ["--url", f"ws://127.0.0.1:{running.port}/events", "--api-url", api]
        argv += ["--health-url", f"http://127.0.0.1:{running.app_port}/healthz"]
        argv += ["--username", "alice", "--password", PASSWORD, "--timeout", "1"]
        assert await doctor.run(parse(doctor, argv)) == 1
    finally:
        await running.stop()
    printed = lines(capsys)
    # The gateway's broker link is up: it is just not the backend's broker.
    assert printed[3][:2] == ("ok", "broker connected")
    status, step, reason = printed[-1]
    assert (status, step) == ("FAIL", "test event round-trips")
    assert re.match(r"no 'create' event for user story #\d+ within 1 s: ", reason)
    assert "EVENTS_PUSH_BACKEND" in reason
    assert not await UserStory.objects.filter(project=project).aexists()


@MEMORY_ONLY
async def test_events_without_the_session_id_fail_the_last_step(
    stack: Stack, capsys, monkeypatch
) -> None:
    # As a backend without SessionIDMiddleware: every event has session_id null.
    monkeypatch.setattr("taiga.events.middleware.clean_session_id", lambda value: None)
    assert await doctor.run(parse(doctor, login_args(stack))) == 1
    status, step, reason = lines(capsys)[-1]
    assert (status, step) == ("FAIL", "own session id carried")
    assert reason.startswith("the events carry session_id None, not the x-session-id sent")


async def test_a_gateway_without_its_broker_fails_the_broker_step(capsys) -> None:
    unreachable = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    config = Config(
        secret="doctor-test-secret-long-enough-for-hs256",
        host="127.0.0.1",
        port=0,
        app_port=0,
        broker="rabbitmq",
        rabbitmq_url=unreachable,
        authorization=False,
    )
    running = await app.start(config)
    try:
        health = f"http://127.0.0.1:{running.app_port}/healthz"
        argv = ["--url", f"ws://127.0.0.1:{running.port}/events", "--health-url", health]
        assert await doctor.run(parse(doctor, argv)) == 1
    finally:
        await running.stop()
    status, step, reason = lines(capsys)[-1]
    assert (status, step) == ("FAIL", "broker connected")
    assert reason.startswith(f"{health} answered HTTP 503: rabbitmq link is down")
