"""`make run` from the README: the printed snippet and curl commands really work."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import urllib.request
from pathlib import Path

import orjson
from websockets.asyncio.client import connect

from tests.e2e.conftest import http_request, ping, receive, send
from tests.processes import free_port, read_until

ROOT = Path(__file__).resolve().parents[2]


async def test_make_run_serves_the_printed_commands(tmp_path: Path) -> None:
    http_port, ws_port = free_port(), free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "taiga.settings.common",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'quickstart.sqlite3'}",
        "TAIGA_HTTP_PORT": str(http_port),
        "WEB_SOCKET_SERVER_PORT": str(ws_port),
        "TAIGA_EVENTS_URL": f"ws://localhost:{ws_port}/events",
        "PYTHONUNBUFFERED": "1",
    }
    process = await asyncio.create_subprocess_exec(
        "make",
        "--no-print-directory",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        banner = await asyncio.wait_for(read_until(process.stdout, "Ready."), timeout=120)
        project_id = re.search(r"routing_key: 'changes\.project\.(\d+)\.\*'", banner).group(1)
        token = re.search(r"^TOKEN=([\w.-]+)$", banner, re.MULTILINE).group(1)
        status_id = re.search(r'"status": (\d+)\}', banner).group(1)
        assert f"ws://localhost:{ws_port}/events" in banner

        page = await asyncio.to_thread(
            lambda: urllib.request.urlopen(f"http://localhost:{http_port}/").read().decode()
        )
        assert "Demo Project" in page
        assert f"ws://localhost:{ws_port}/events" in page

        async with connect(f"ws://localhost:{ws_port}/events") as ws:
            subscribe = {"cmd": "subscribe", "routing_key": f"changes.project.{project_id}.*"}
            await ws.send(orjson.dumps(subscribe).decode())
            await ping(ws)
            created = await asyncio.to_thread(
                http_request,
                "POST",
                f"http://localhost:{http_port}/api/v1/userstories",
                {
                    "project": int(project_id),
                    "subject": "Test user story",
                    "status": int(status_id),
                },
                {"Authorization": f"Bearer {token}", "x-session-id": "test-session-123"},
            )
            assert created.status == 201, created.body
            assert await receive(ws) == {
                "routing_key": f"changes.project.{project_id}.userstories.userstory",
                "session_id": "test-session-123",
                "data": {
                    "type": "create",
                    "matches": "userstories.userstory",
                    "pk": created.body["id"],
                },
            }
            # The seed's command, from a second shell, reaches the clients of make run.
            await send(ws, cmd="auth", data={"token": token})
            subscribed = await send(ws, cmd="subscribe", routing_key="notifications", id=2)
            assert (subscribed["cmd"], subscribed["id"]) == ("ack", 2)
            command = await asyncio.create_subprocess_exec(
                str(ROOT / ".venv/bin/python"),
                "manage.py",
                "emit_notification_message",
                "--title",
                "Maintenance",
                "--desc",
                "System will be down for maintenance at 2 AM UTC",
                cwd=ROOT,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            said, _ = await asyncio.wait_for(command.communicate(), timeout=60)
            assert said.decode() == "sent notification 'Maintenance': delivered to the broker\n"
            assert await receive(ws) == {
                "routing_key": "notifications",
                "session_id": None,
                "data": {
                    "title": "Maintenance",
                    "desc": "System will be down for maintenance at 2 AM UTC",
                },
            }
        os.killpg(process.pid, signal.SIGINT)
        rest = await asyncio.wait_for(process.stdout.read(), timeout=30)
        # make passes Ctrl-C on to the server, then ends itself by the same signal.
        assert await asyncio.wait_for(process.wait(), timeout=30) in (0, -signal.SIGINT)
        assert "Shutting down" in rest.decode()
        assert "Stopped." in rest.decode()
        assert "Traceback" not in rest.decode()
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
