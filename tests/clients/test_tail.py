"""``taiga-events tail`` against the whole system: backend, broker and gateway."""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
from collections.abc import AsyncIterator
from datetime import datetime

import orjson
import pytest

from taiga_events.clients import tail
from taiga_events.clients.client import parse_event
from tests.clients.cli import LineWatcher, parse
from tests.clients.harness import MEMORY_ONLY, TestGateway, make_token
from tests.e2e.conftest import PASSWORD, Stack

WAIT_SECONDS = 10


@contextlib.asynccontextmanager
async def tailing(argv: list[str]) -> AsyncIterator[tuple[asyncio.Task[int], LineWatcher]]:
    """Run tail in the background, its stderr captured; enter once it follows its patterns."""
    with contextlib.redirect_stderr(LineWatcher()) as stderr:
        task = asyncio.create_task(tail.run(parse(tail, argv)))
        following = asyncio.create_task(stderr.seen("taiga-events tail: following").wait())
        await asyncio.wait({task, following}, timeout=WAIT_SECONDS, return_when="FIRST_COMPLETED")
        assert following.done() and not task.done(), stderr.getvalue()
        try:
            yield task, stderr
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def create_story(stack: Stack, token: str, *, session_id: str) -> int:
    created = await stack.http(
        "POST",
        "/userstories",
        {"project": stack.project.pk, "subject": "Tail me"},
        token=token,
        session_id=session_id,
    )
    assert created.status == 201, created.body
    return created.body["id"]


@MEMORY_ONLY
async def test_tail_prints_each_event_on_a_readable_line(stack: Stack, capsys) -> None:
    project = stack.project.pk
    login = ["--api-url", stack.api, "--username", "alice", "--password", PASSWORD]
    argv = [f"changes.project.{project}.*", "--url", stack.events_url, *login, "--count", "3"]
    async with tailing(argv) as (task, _):
        bob = await stack.login("bob")
        pk = await create_story(stack, bob, session_id="bob-tab")
        await stack.http("PATCH", f"/userstories/{pk}", {"subject": "Tailed"}, token=bob)
        await stack.http("DELETE", f"/userstories/{pk}", token=bob, session_id="bob-tab")
        assert await asyncio.wait_for(task, WAIT_SECONDS) == 0

    lines = capsys.readouterr().out.splitlines()
    key = re.escape(f"changes.project.{project}.userstories.userstory")
    expected = [
        rf"{key}  create userstories\.userstory pk={pk}  \(session bob-tab\)",
        rf"{key}  change userstories\.userstory pk={pk}",
        rf"{key}  delete userstories\.userstory pk={pk}  \(session bob-tab\)",
    ]
    assert len(lines) == 3, lines
    positions = []
    for line, pattern in zip(lines, expected, strict=True):
        found = re.fullmatch(rf"\d\d:\d\d:\d\d\.\d{{3}}  {pattern}  @(\d+)", line)
        assert found, line
        positions.append(int(found.group(1)))
    assert positions == sorted(set(positions)), positions


@MEMORY_ONLY
async def test_tail_json_prints_the_raw_frames(stack: Stack, capsys) -> None:
    project = stack.project.pk
    token = await stack.login("alice")
    pattern = f"changes.project.{project}.userstories.*"
    argv = [pattern, "--url", stack.events_url, "--token", token, "--json", "--count", "1"]
    async with tailing(argv) as (task, _):
        pk = await create_story(stack, token, session_id="curl")
        assert await asyncio.wait_for(task, WAIT_SECONDS) == 0
    frame = orjson.loads(capsys.readouterr().out)
    assert len(frame.pop("event_id")) == 32
    assert isinstance(frame.pop("position"), int)
    assert isinstance(frame.pop("epoch"), str)
    assert frame == {
        "routing_key": f"changes.project.{project}.userstories.userstory",
        "session_id": "curl",
        "data": {"type": "create", "matches": "userstories.userstory", "pk": pk},
    }


@MEMORY_ONLY
async def test_tail_reports_a_refused_login_or_subscription(stack: Stack) -> None:
    args = [f"changes.project.{stack.project.pk}.*", "--url", stack.events_url]
    wrong_password = [*args, "--api-url", stack.api, "--username", "alice", "--password", "x"]
    token = await stack.login("alice")
    others = ["web_notifications.999999", "--url", stack.events_url, "--token", token]
    with contextlib.redirect_stderr(io.StringIO()) as stderr:
        assert await tail.run(parse(tail, wrong_password)) == 1
        assert await tail.run(parse(tail, [*args, "--username", "alice"])) == 2
        assert await tail.run(parse(tail, others)) == 1
    lines = stderr.getvalue().splitlines()
    assert lines[0].startswith("taiga-events tail: cannot log in: HTTP 400: Username or password")
    assert lines[1] == "taiga-events tail: cannot log in: --username needs --password"
    assert lines[2].startswith("taiga-events tail: forbidden: ")


def test_readable_lines_of_every_family() -> None:
    at = datetime(2026, 1, 5, 10, 30, 0, 123456)

    def line(frame: dict) -> str:
        return tail.format_event(parse_event(frame), at)

    assert (
        line(
            {
                "routing_key": "changes.project.5.tasks.task",
                "session_id": None,
                "data": {"type": "change", "matches": "tasks.task", "pk": [1, 2, 3]},
            }
        )
        == "10:30:00.123  changes.project.5.tasks.task  change tasks.task pk=1,2,3"
    )
    assert line(
        {
            "routing_key": "web_notifications.42",
            "session_id": "s",
            "data": {
                "type": "assigned",
                "user": {"username": "john.doe"},
                "project": {"name": "My Project"},
                "object": {"ref": 456, "subject": "Implement authentication"},
            },
        }
    ) == (
        "10:30:00.123  web_notifications.42  assigned #456 Implement authentication "
        "in My Project by john.doe  (session s)"
    )
    assert (
        line(
            {
                "routing_key": "live_notifications.42",
                "data": {"title": "User story #42 created", "body": "My Project - Auth"},
            }
        )
        == "10:30:00.123  live_notifications.42  User story #42 created — My Project - Auth"
    )
    assert (
        line(
            {
                "routing_key": "notifications",
                "session_id": None,
                "data": {"title": "Maintenance", "desc": "At 2 AM UTC"},
            }
        )
        == "10:30:00.123  notifications  Maintenance: At 2 AM UTC"
    )
    assert line({"routing_key": "new.family", "data": {"a": 1}}) == (
        '10:30:00.123  new.family  {"a":1}'
    )
    # Its position, to resume after it with --since.
    numbered = {"routing_key": "notifications", "data": {"title": "T"}, "position": 42}
    assert line({**numbered, "epoch": "e"}) == "10:30:00.123  notifications  T  @42"


async def test_tail_says_when_it_reconnects_and_goes_on(gateway: TestGateway, capsys) -> None:
    argv = ["notifications", "--url", gateway.url, "--token", make_token(), "--count", "1"]
    async with tailing(argv) as (task, stderr):
        again = stderr.seen("taiga-events tail: connected again")
        await gateway.restart()
        await asyncio.wait_for(again.wait(), WAIT_SECONDS)
        gateway.publish("notifications", {"session_id": None, "data": {"title": "Back"}})
        assert await asyncio.wait_for(task, WAIT_SECONDS) == 0
    assert "taiga-events tail: not connected (connection_lost: " in stderr.getvalue()
    assert capsys.readouterr().out.endswith("  notifications  Back  @0\n")


def notice(gateway: TestGateway, title: str) -> None:
    gateway.publish("notifications", {"session_id": None, "data": {"title": title}})


async def test_tail_since_prints_what_came_after_that_position_then_live(
    gateway: TestGateway, capsys
) -> None:
    for title in ("Zero", "One", "Two"):
        notice(gateway, title)
    token = ["--url", gateway.url, "--token", make_token()]
    # The epoch as printed, or the gateway's own when only a position is given.
    epoch = ["--epoch", gateway.bus.epoch]
    runs = [
        (["--since", "0", *epoch], "Live", ["One  @1", "Two  @2", "Live  @3"]),
        (["--since", "2"], "Again", ["Live  @3", "Again  @4"]),
    ]
    for since, live, printed in runs:
        argv = ["notifications", *token, *since, "--count", str(len(printed))]
        async with tailing(argv) as (task, stderr):
            notice(gateway, live)
            assert await asyncio.wait_for(task, WAIT_SECONDS) == 0
        resumed = f"taiga-events tail: resumed notifications after position {since[1]}\n"
        assert resumed in stderr.getvalue()
        assert f"(history {gateway.bus.epoch})" in stderr.getvalue()
        lines = capsys.readouterr().out.splitlines()
        assert [line.split("  ", 1)[1] for line in lines] == [
            f"notifications  {line}" for line in printed
        ]


async def test_tail_since_that_cannot_be_resumed_says_why_and_goes_on_live(
    gateway: TestGateway, capsys
) -> None:
    notice(gateway, "Before")
    argv = ["notifications", "--url", gateway.url, "--token", make_token(), "--count", "1"]
    async with tailing([*argv, "--since", "0", "--epoch", "another"]) as (task, stderr):
        notice(gateway, "Live")
        assert await asyncio.wait_for(task, WAIT_SECONDS) == 0
    assert (
        "taiga-events tail: events of notifications after position 0 may be missing: "
        "the position belongs to another history (the broker's was made again); following live\n"
    ) in stderr.getvalue()
    assert capsys.readouterr().out.endswith("  notifications  Live  @1\n")


async def test_tail_refuses_an_epoch_without_a_position_and_a_position_below_minus_one() -> None:
    with contextlib.redirect_stderr(io.StringIO()) as stderr:
        assert await tail.run(parse(tail, ["notifications", "--epoch", "e"])) == 2
    assert stderr.getvalue() == "taiga-events tail: --epoch needs --since\n"
    with contextlib.redirect_stderr(io.StringIO()) as stderr, pytest.raises(SystemExit):
        parse(tail, ["notifications", "--since", "-2"])
    assert "'-2' is not a position (an integer from -1 on)" in stderr.getvalue()
