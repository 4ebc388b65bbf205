"""Reconnect storm: distinct users connect at once, authenticate and subscribe to a project's
changes; how long until every subscription is acknowledged, with permission claims and
without.

    .venv/bin/python bench/storm.py [--clients 1000] [--rounds 3] [--write]

The system runs as ``make run`` runs it (``manage.py quickstart``: SQLite, the in-process
broker, the backend and the gateway in one process, authorization on), on a database of its
own. Each storm is made by users the gateway has never seen, so its permission cache is as
cold as after a restart: ``--clients`` new members of the demo project, created straight
into the database, with access tokens issued as the backend issues them. Without claims,
the gateway asks the backend about each user; with claims, each client sends the permission
claims it fetched from the backend beforehand (as a client that keeps them fresh has them
in hand when the gateway restarts), and the gateway asks nothing. Each round storms once
each way, in turn (the first way alternating), so that machine noise hits both alike.

A client opens its connection, sends ``auth``, waits for the ack, then sends ``subscribe``
(as the JavaScript client does); its time is from the start of the storm to that ack.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.backend_server import free_port, wait_for_port
from bench.report import percentile, write_section
from bench.wsclient import connect

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-storm-secret-long-enough-for-hs256"
MODES = ("without claims", "with claims")


def start_system(directory: Path) -> tuple[subprocess.Popen, int, int]:
    """``manage.py quickstart`` on a database in ``directory``: the process and its ports."""
    http_port, ws_port = free_port(), free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "quickstart",
            "--host",
            "127.0.0.1",
            "--http-port",
            str(http_port),
            "--ws-port",
            str(ws_port),
        ],
        cwd=ROOT,
        env=os.environ,
        stdout=subprocess.DEVNULL,
        stderr=open(directory / "quickstart.log", "wb"),  # noqa: SIM115
    )
    for port in (http_port, ws_port):
        wait_for_port(port, process, timeout=120)
    return process, http_port, ws_port


def make_members(prefix: str, count: int) -> tuple[int, list[str]]:
    """``count`` new members of the demo project: its id, and an access token of each."""
    from taiga.auth.tokens import issue_access_token
    from taiga.demo.data import DEMO_PROJECT_SLUG
    from taiga.projects.models import Membership, Project
    from taiga.users.models import User

    project = Project.objects.get(slug=DEMO_PROJECT_SLUG)
    role = project.roles.order_by("order", "id").first()
    users = User.objects.bulk_create(
        User(username=f"{prefix}-{n}", email=f"{prefix}-{n}@storm.test", password="!")
        for n in range(count)
    )
    Membership.objects.bulk_create(
        Membership(project=project, user=user, role=role) for user in users
    )
    return project.pk, [issue_access_token(user) for user in users]


def get(url: str, token: str) -> dict[str, Any]:
    request = urllib.request.Request(url)
    request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=60) as response:
        return orjson.loads(response.read())


def fetch_claims(api: str, project_id: int, tokens: list[str]) -> tuple[list[str], float]:
    """Each user's permission claims for the project, from the backend: and how long that
    took (what clients spread over the claims' lifetime in steady use)."""
    url = f"{api}/events/permissions?projects={project_id}"
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        claims = list(pool.map(lambda token: get(url, token)["token"], tokens))
    return claims, time.perf_counter() - started


def request_costs(api: str, project_id: int, tokens: list[str]) -> dict[str, list[float]]:
    """Milliseconds per request, one at a time, of what the gateway asks about a user
    without claims and of what a client asks for claims (the steady load of each)."""
    paths = {
        "GET /projects/{id}": f"/projects/{project_id}",
        "GET /events/permissions?projects={id}": f"/events/permissions?projects={project_id}",
    }
    costs: dict[str, list[float]] = {name: [] for name in paths}
    for token in tokens:
        for name, path in paths.items():
            started = time.perf_counter()
            get(api + path, token)
            costs[name].append((time.perf_counter() - started) * 1000)
    return costs


async def client(
    url: str,
    pattern: str,
    token: str,
    claims: str | None,
    started: float,
    since: dict | None = None,
    missed: int = 0,
) -> dict[str, Any]:
    """One client of the storm: connect, auth, then subscribe (resuming from ``since`` and
    waiting for the ``missed`` events it then gets); what it took and was told."""
    loop = asyncio.get_running_loop()
    replies: dict[int, asyncio.Future[dict]] = {}
    notices: list[str] = []
    replayed = loop.create_future()
    events = 0

    def on_message(payload: bytes, _: float) -> None:
        nonlocal events
        frame = orjson.loads(payload)
        reply = replies.get(frame.get("id"))
        if reply is not None and not reply.done():
            reply.set_result(frame)
        elif frame.get("cmd") == "error":
            notices.append(frame["code"])
        elif "data" in frame:
            events += 1
            if events == missed and not replayed.done():
                replayed.set_result(None)

    connection = await connect(url, on_message)

    async def request(command_id: int, **command: object) -> dict:
        replies[command_id] = loop.create_future()
        connection.send(orjson.dumps({**command, "id": command_id}))
        return await replies[command_id]

    data = {"token": token, **({"permissions": claims} if claims else {})}
    auth = await request(1, cmd="auth", data=data)
    resume = {"since": since} if since else {}
    reply = await request(2, cmd="subscribe", routing_key=pattern, **resume)
    if missed and reply.get("recovered"):
        await replayed
    return {
        "seconds": time.perf_counter() - started,
        "acked": auth["cmd"] == reply["cmd"] == "ack" and reply.get("recovered", True),
        "notices": notices,
        "connection": connection,
        "since": {"position": reply.get("position"), "epoch": reply.get("epoch")},
    }


async def storm(
    url: str,
    pattern: str,
    tokens: list[str],
    claims: list[str] | None,
    since: dict | None = None,
    missed: int = 0,
) -> dict:
    """All clients at once; every one's time to its subscription's ack (and, resuming, to
    the last event it had missed)."""
    started = time.perf_counter()
    async with asyncio.timeout(300):
        results = await asyncio.gather(
            *(
                client(url, pattern, token, claims[n] if claims else None, started, since, missed)
                for n, token in enumerate(tokens)
            )
        )
    for result in results:
        await result.pop("connection").close()
    return {
        "seconds": [result["seconds"] for result in results],
        "failed": sum(not result["acked"] for result in results),
        "notices": sum(len(result["notices"]) for result in results),
    }


async def mark(url: str, pattern: str, token: str) -> dict:
    """Where the history stands now: what a client that saw everything so far resumes from."""
    result = await client(url, pattern, token, None, time.perf_counter())
    await result.pop("connection").close()
    return result["since"]


def create_stories(api: str, project_id: int, token: str, count: int) -> None:
    """``count`` changes the storm's clients miss."""
    for n in range(count):
        request = urllib.request.Request(
            f"{api}/userstories",
            data=orjson.dumps({"project": project_id, "subject": f"Missed {n}"}),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()


def summary(seconds: list[float]) -> str:
    return (
        f"p50 {percentile(seconds, 50):.2f} / p99 {percentile(seconds, 99):.2f} / "
        f"max {max(seconds):.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="write docs/BENCHMARKS.md")
    parser.add_argument(
        "--missed",
        type=int,
        default=0,
        help="each client resumes from before this many new stories (none: a plain subscribe)",
    )
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="taiga-storm-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="taiga.settings.common",
        DATABASE_URL=f"sqlite:///{directory / 'storm.sqlite3'}",
        SECRET_KEY=SECRET,
    )
    import django

    django.setup()
    process, http_port, ws_port = start_system(directory)
    api, url = f"http://127.0.0.1:{http_port}/api/v1", f"ws://127.0.0.1:{ws_port}/events"
    results: dict[str, list[dict]] = {mode: [] for mode in MODES}
    try:
        for round_number in range(args.rounds):
            modes = MODES if round_number % 2 == 0 else MODES[::-1]
            for mode in modes:
                prefix = f"storm-{round_number}-{mode.split()[0]}"
                project_id, tokens = make_members(prefix, args.clients)
                claims, fetching = None, None
                if mode == "with claims":
                    claims, fetching = fetch_claims(api, project_id, tokens)
                pattern = f"changes.project.{project_id}.*"
                since = None
                if args.missed:
                    since = asyncio.run(mark(url, pattern, tokens[0]))
                    create_stories(api, project_id, tokens[0], args.missed)
                result = asyncio.run(storm(url, pattern, tokens, claims, since, args.missed))
                result["fetching"] = fetching
                results[mode].append(result)
                print(
                    f"round {round_number + 1} {mode}: {summary(result['seconds'])}, "
                    f"failed {result['failed']}, error frames {result['notices']}"
                    + (f"; claims fetched in {fetching:.1f} s" if fetching else ""),
                    flush=True,
                )
        costs = request_costs(api, project_id, tokens[:200])
    finally:
        process.terminate()
        process.wait(timeout=60)
    report(args, results, costs)


def report(
    args: argparse.Namespace, results: dict[str, list[dict]], costs: dict[str, list[float]]
) -> None:
    lines = [
        "| way | round | all acknowledged after | failed | error frames |",
        "|---|---|---|---|---|",
    ]
    for mode in MODES:
        for number, result in enumerate(results[mode], 1):
            lines.append(
                f"| {mode} | {number} | {summary(result['seconds'])} | {result['failed']} | "
                f"{result['notices']} |"
            )
    every = {mode: [s for result in results[mode] for s in result["seconds"]] for mode in MODES}
    for mode in MODES:
        lines.append(f"| {mode} | all | {summary(every[mode])} | | |")
    slowest = {mode: [max(result["seconds"]) for result in results[mode]] for mode in MODES}
    ratio = sorted(
        without / with_claims
        for without, with_claims in zip(*(slowest[mode] for mode in MODES), strict=True)
    )
    fetching = [result["fetching"] for result in results["with claims"]]
    table = "\n".join(lines)
    text = (
        f"{table}\n\nThe last acknowledgement came {ratio[len(ratio) // 2]:.1f} times sooner "
        f"with claims than without (median of the rounds' ratios; "
        f"{', '.join(f'{r:.1f}' for r in ratio)}). Fetching the {args.clients} users' claims "
        f"from the backend beforehand took {', '.join(f'{f:.1f}' for f in fetching)} s "
        "(8 at a time). One request at a time, for 200 of the users: "
        + "; ".join(
            f"`{name}` p50 {percentile(ms, 50):.1f} / p99 {percentile(ms, 99):.1f} ms"
            for name, ms in costs.items()
        )
        + "."
    )
    print(text)
    if args.write:
        write_section(
            "storm",
            "Reconnect storm: authorizing distinct users at once",
            f"{args.clients} distinct users, members of the demo project, connect at once to "
            "the system as `make run` runs it (SQLite, in-process broker, backend and "
            "gateway in one process, authorization on), each send `auth`, then "
            "`subscribe` to `changes.project.{id}.*` once it is acknowledged. Times from "
            "the start of the storm to each subscription's ack; every storm by users the "
            f"gateway has never seen, {args.rounds} rounds, each way once a round.\n\n" + text,
        )


if __name__ == "__main__":
    main()
