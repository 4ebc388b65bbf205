"""Which production server runs the backend best on this machine: requests/s and latency of
the user-story API under gunicorn (WSGI: sync workers, or threads) and uvicorn (ASGI).

    .venv/bin/python bench/backend_server.py [--clients 8] [--seconds 15] [--write]

Every server runs the backend as production does (``taiga.settings.production``): on
PostgreSQL (a database of its own, made afresh), with RabbitMQ as the events broker, the
outbox relay in each web process, and a gateway consuming the events, so that the
relay's publishes are routed. Each measurement starts on a fresh copy of a database with
the demo data; then ``--clients`` concurrent
keep-alive clients, as admin, ``GET /api/v1/userstories?project=…`` (the board's list) for
``--seconds``, then ``POST /api/v1/userstories`` as long. Each configuration is measured
``--rounds`` times, in turn, so that machine noise hits every one alike; the report gives
the median round's requests/s and latencies of all rounds.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import median, percentile, write_section

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATABASE = "taiga_bench_backend_server"
# Migrated, with the demo data: each measurement starts from a copy of it, so that the
# stories earlier POSTs made weigh on no later measurement.
TEMPLATE = DATABASE + "_template"
SECRET = "bench-backend-server-secret-long-enough-for-hs256"
SERVERS = {
    "gunicorn, 2 sync workers": "gunicorn taiga.wsgi -b 127.0.0.1:{port} -w 2",
    "gunicorn, 4 sync workers": "gunicorn taiga.wsgi -b 127.0.0.1:{port} -w 4",
    "gunicorn, 2 workers x 4 threads": "gunicorn taiga.wsgi -b 127.0.0.1:{port} -w 2 --threads 4",
    "uvicorn, 2 workers": (
        "uvicorn taiga.asgi:application --host 127.0.0.1 --port {port} --workers 2 --no-access-log"
    ),
    "uvicorn, 4 workers": (
        "uvicorn taiga.asgi:application --host 127.0.0.1 --port {port} --workers 4 --no-access-log"
    ),
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(args: argparse.Namespace, database: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "taiga.settings.production",
        "SECRET_KEY": SECRET,
        "TAIGA_FRONT_URL": "http://127.0.0.1",
        "DATABASE_URL": f"{args.postgresql_url.rsplit('/', 1)[0]}/{database}",
        "EVENTS_PUSH_BACKEND": "taiga.events.backends.rabbitmq.EventsPushBackend",
        "EVENTS_PUSH_BACKEND_URL": args.rabbitmq_url,
    }


def create_database(args: argparse.Namespace, name: str, template: str | None = None) -> None:
    with psycopg.connect(args.postgresql_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def make_template(args: argparse.Namespace) -> None:
    create_database(args, TEMPLATE)
    env = environment(args, TEMPLATE)
    for command in (["migrate", "-v0"], ["load_demo_data"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port} after {timeout} s")


@contextlib.contextmanager
def running(command: str, env: dict[str, str], port: int) -> Iterator[subprocess.Popen]:
    argv = command.format(port=port).split()
    process = subprocess.Popen(
        [str(BIN / argv[0]), *argv[1:]],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port, process)
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


class Api:
    """One keep-alive HTTP connection to the backend."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Content-Type": "application/json", "x-session-id": "bench"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, body: object = None) -> tuple[int, object]:
        data = None if body is None else orjson.dumps(body)
        self.connection.request(method, "/api/v1" + path, data, self.headers)
        response = self.connection.getresponse()
        raw = response.read()
        return response.status, orjson.loads(raw) if raw else None


def load(port: int, token: str, method: str, path: str, body: object, args) -> dict:
    """``args.clients`` threads sending the request for ``args.seconds``: rate and latency."""
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + args.seconds

    def client() -> None:
        api, mine, failed = Api(port, token), [], []
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            status, _ = api.request(method, path, body)
            mine.append(time.perf_counter() - started)
            if status >= 300:
                failed.append(status)
        with lock:
            latencies.extend(mine)
            failures.extend(failed)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"rps": len(latencies) / elapsed, "latencies": latencies, "failures": len(failures)}


def measure(command: str, args: argparse.Namespace) -> dict:
    create_database(args, DATABASE, template=TEMPLATE)
    env = environment(args, DATABASE)
    port = free_port()
    with running(command, env, port):
        api = Api(port)
        status, user = api.request(
            "POST", "/auth", {"type": "normal", "username": "admin", "password": "123123"}
        )
        assert status == 200, user
        token = user["auth_token"]
        _, projects = Api(port, token).request("GET", "/projects")
        project = next(p for p in projects if p["slug"] == "demo-project")
        pk = project["id"]
        _, statuses = Api(port, token).request("GET", f"/userstory-statuses?project={pk}")
        story = {"project": pk, "subject": "Benchmark story", "status": statuses[0]["id"]}
        get = load(port, token, "GET", f"/userstories?project={pk}", None, args)
        post = load(port, token, "POST", "/userstories", story, args)
    return {"GET": get, "POST": post}


def row(name: str, command: str, rounds: list[dict], method: str) -> str:
    rates = [r[method]["rps"] for r in rounds]
    latencies = [value * 1000 for r in rounds for value in r[method]["latencies"]]
    failures = sum(r[method]["failures"] for r in rounds)
    rates_text = " / ".join(f"{rate:.0f}" for rate in rates)
    return (
        f"| {name} | {method} | {median(rates):.0f} ({rates_text}) | "
        f"{percentile(latencies, 50):.1f} | {percentile(latencies, 99):.1f} | {failures} | "
        f"`{command.format(port='PORT')}` |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgresql-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rabbitmq-url", default="amqp://guest:guest@127.0.0.1:5672/")
    parser.add_argument("--write", action="store_true", help="write docs/BENCHMARKS.md")
    args = parser.parse_args()
    make_template(args)
    gateway_env = {
        **os.environ,
        "SECRET": SECRET,
        "RABBITMQ_URL": args.rabbitmq_url,
        "EVENTS_HOST": "127.0.0.1",
        "WEB_SOCKET_SERVER_PORT": str(free_port()),
        "APP_PORT": str(free_port()),
        "LOG_LEVEL": "WARNING",
    }
    # A gateway's queue takes the relay's publishes (unrouted ones would be retried).
    gateway = subprocess.Popen(
        [str(BIN / "taiga-events"), "serve", "--workers", "1"], env=gateway_env, cwd=ROOT
    )
    results: dict[str, list[dict]] = {name: [] for name in SERVERS}
    try:
        for round_number in range(args.rounds):
            for name, command in SERVERS.items():
                result = measure(command, args)
                results[name].append(result)
                print(
                    f"round {round_number + 1} {name}: "
                    + ", ".join(
                        f"{method} {r['rps']:.0f} req/s p99 "
                        f"{percentile(r['latencies'], 99) * 1000:.1f} ms"
                        for method, r in result.items()
                    ),
                    flush=True,
                )
    finally:
        gateway.terminate()
        gateway.wait(timeout=30)
        for name in (DATABASE, TEMPLATE):
            with psycopg.connect(args.postgresql_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    lines = [
        "| server | request | requests/s, median (rounds) | p50 ms | p99 ms | errors | command |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, command in SERVERS.items():
        for method in ("GET", "POST"):
            lines.append(row(name, command, results[name], method))
    table = "\n".join(lines)
    print(table)
    if args.write:
        write_section(
            "backend-server",
            "Backend: which production server",
            f"{args.clients} concurrent keep-alive clients, {args.seconds:g} s per request "
            f"kind, {args.rounds} rounds in turn; PostgreSQL, RabbitMQ, relay in-process, "
            "production settings, demo data. GET: the demo project's user stories (the "
            "board's list); POST: a new user story (its event relayed to the broker).\n\n" + table,
        )


if __name__ == "__main__":
    main()
