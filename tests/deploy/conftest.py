"""The system as docs/DEPLOY.md runs it, on free ports: nginx (Debian's, a process of the
test's own, never the system's service) in front of the backend under gunicorn with the
production settings, and the events gateway with two workers; PostgreSQL and RabbitMQ."""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

# Headless Chromium, skipped (or failed in CI) without it, as the browser tests have it.
from tests.browser.conftest import browser  # noqa: F401
from tests.processes import free_port
from tests.services import POSTGRESQL_URL, RABBITMQ_URL, REQUIRED, require

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SITE = ROOT / "deploy" / "nginx" / "taiga.conf"
SECRET = "deploy-tests-secret-long-enough-for-hs256"


def nginx_binary() -> str:
    """Debian's nginx, or skip (fail when services are required)."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        reason = "nginx is not installed (apt-get install -y nginx)"
        pytest.fail(reason) if REQUIRED else pytest.skip(reason)
    return found


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{process.args[0]} exited:\n{log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}:\n{log.read_text()}")


def site(replacements: dict[str, str]) -> str:
    """deploy/nginx/taiga.conf with ``replacements`` made (each must be there)."""
    text = SITE.read_text()
    for old, new in replacements.items():
        assert old in text, f"{old!r} is no longer in {SITE}"
        text = text.replace(old, new)
    return text


@contextlib.contextmanager
def nginx(directory: Path, site_text: str, port: int | None = None) -> Iterator[int]:
    """An nginx of its own serving ``site_text`` (a server block) on ``port`` (default: a
    free one); yields the port."""
    directory.mkdir()
    port = port or free_port()
    (directory / "taiga.conf").write_text(site_text.replace("listen 80;", f"listen {port};"))
    temp = {name: directory / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    (directory / "nginx.conf").write_text(
        f"""
daemon off;
user {getpass.getuser()};
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log info;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {directory}/access.log;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {directory}/taiga.conf;
}}
"""
    )
    log = directory / "error.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [nginx_binary(), "-p", str(directory), "-c", str(directory / "nginx.conf")],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, process, log)
        yield port
    finally:
        process.send_signal(signal.SIGQUIT)
        process.wait(timeout=30)


@dataclass
class Production:
    site: str  # http://127.0.0.1:<nginx>
    events_url: str  # ws://127.0.0.1:<nginx>/events
    backend_port: int
    gateway_port: int
    # The gateway's /healthz and /metrics (APP_PORT).
    gateway_app_port: int
    static_root: Path
    backend_env: dict[str, str]
    directory: Path

    def nginx(self, name: str, **replacements: str) -> contextlib.AbstractContextManager[int]:
        """Another nginx before the same backend and gateway, its config changed so."""
        return nginx(self.directory / name, self.site_text(replacements))

    def site_text(self, replacements: dict[str, str]) -> str:
        return site(
            {
                "listen [::]:80;\n": "",
                "server_name taiga.example.com;": "server_name 127.0.0.1;",
                "server 127.0.0.1:8000;": f"server 127.0.0.1:{self.backend_port};",
                "server 127.0.0.1:8888;": f"server 127.0.0.1:{self.gateway_port};",
                "/srv/taiga/static/": f"{self.static_root}/",
                **replacements,
            }
        )


@contextlib.contextmanager
def service(argv: list[str], env: dict[str, str], log: Path, port: int) -> Iterator[None]:
    with log.open("w") as output:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process, log)
        yield
    finally:
        process.terminate()
        assert process.wait(timeout=60) == 0, log.read_text()


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Production]:
    rabbitmq_url = require("RabbitMQ", RABBITMQ_URL)
    postgresql_url = require("PostgreSQL", POSTGRESQL_URL)
    nginx_binary()
    directory = tmp_path_factory.mktemp("production")
    database = f"taiga_deploy_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgresql_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    port, backend_port, gateway_port = free_port(), free_port(), free_port()
    gateway_app_port = free_port()
    static_root = directory / "static"
    backend_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "taiga.settings.production",
        "SECRET_KEY": SECRET,
        "TAIGA_FRONT_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": f"{postgresql_url.rsplit('/', 1)[0]}/{database}",
        "EVENTS_PUSH_BACKEND": "taiga.events.backends.rabbitmq.EventsPushBackend",
        "EVENTS_PUSH_BACKEND_URL": rabbitmq_url,
        "STATIC_ROOT": str(static_root),
    }
    gateway_env = {
        **os.environ,
        "SECRET": SECRET,
        "RABBITMQ_URL": rabbitmq_url,
        "TAIGA_API_URL": f"http://127.0.0.1:{backend_port}/api/v1",
        "EVENTS_HOST": "127.0.0.1",
        "WEB_SOCKET_SERVER_PORT": str(gateway_port),
        "APP_PORT": str(gateway_app_port),
        "EVENTS_WORKERS": "2",
        "LOG_LEVEL": "WARNING",
    }
    try:
        for command in (["migrate", "-v0"], ["load_demo_data"], ["collectstatic", "--noinput"]):
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env=backend_env,
                check=True,
                capture_output=True,
            )
        gunicorn = [str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "taiga.wsgi"]
        gunicorn += ["--bind", f"127.0.0.1:{backend_port}", "--workers", "2"]
        gateway = [str(BIN / "taiga-events"), "serve"]
        with (
            service(gunicorn, backend_env, directory / "gunicorn.log", backend_port),
            service(gateway, gateway_env, directory / "gateway.log", gateway_port),
        ):
            production = Production(
                f"http://127.0.0.1:{port}",
                f"ws://127.0.0.1:{port}/events",
                backend_port,
                gateway_port,
                gateway_app_port,
                static_root,
                backend_env,
                directory,
            )
            with nginx(directory / "nginx", production.site_text({}), port):
                yield production
    finally:
        with psycopg.connect(postgresql_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def http_get(url: str) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, dict(response.headers), response.read()
