"""Production settings: the secret required, the rest from the site's public address."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.deploy.conftest import ROOT

DEV_KEY = "django-insecure-dev-only-key-do-not-use-in-production"
SHOW = (
    "import json, taiga.wsgi; from django.conf import settings as s; print(json.dumps("
    "[s.DEBUG, s.ALLOWED_HOSTS, s.CSRF_TRUSTED_ORIGINS, s.SESSION_COOKIE_SECURE, "
    "s.CSRF_COOKIE_SECURE, s.TAIGA_EVENTS_URL, s.SECURE_PROXY_SSL_HEADER]))"
)


def start_wsgi(**environ: str) -> subprocess.CompletedProcess:
    """Load taiga.wsgi as a production server does, with only ``environ`` set."""
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG")}
    env.pop("SECRET_KEY", None)
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env={**env, **environ},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_backend_refuses_to_start_without_a_secret_of_its_own() -> None:
    for environ in ({}, {"SECRET_KEY": DEV_KEY}, {"SECRET_KEY": ""}):
        result = start_wsgi(**environ)
        assert result.returncode != 0
        assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_with_debug_on_the_development_key_is_allowed() -> None:
    result = start_wsgi(DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0] is True


def test_the_public_address_decides_hosts_origins_cookies_and_the_events_url() -> None:
    result = start_wsgi(SECRET_KEY="k" * 50, TAIGA_FRONT_URL="https://taiga.example.com")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        False,
        ["taiga.example.com", "127.0.0.1", "localhost"],
        ["https://taiga.example.com"],
        True,
        True,
        "wss://taiga.example.com/events",
        ["HTTP_X_FORWARDED_PROTO", "https"],
    ]


def test_a_public_address_that_is_not_one_is_named() -> None:
    result = start_wsgi(SECRET_KEY="k" * 50, TAIGA_FRONT_URL="taiga.example.com")
    assert result.returncode != 0
    assert "TAIGA_FRONT_URL must be the site's public address" in result.stderr
