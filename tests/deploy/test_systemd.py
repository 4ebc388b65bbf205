"""The systemd units of deploy/systemd: valid for systemd, restarted, stopped by a drain."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from taiga_events.config import Config
from taiga_events.workers import DRAIN_MARGIN_SECONDS
from tests.deploy.conftest import BIN, ROOT

UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))


def test_the_units_are_the_backend_the_relay_and_the_gateway() -> None:
    assert [unit.name for unit in UNITS] == [
        "taiga-backend.service",
        "taiga-events-relay.service",
        "taiga-events.service",
    ]


def test_systemd_analyze_verify_finds_nothing_to_say(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (it comes with systemd)")
    # The units as installed by docs/DEPLOY.md, with this checkout in place of /srv/taiga.
    paths = []
    for unit in UNITS:
        text = unit.read_text().replace("/srv/taiga/venv/bin", str(BIN))
        path = tmp_path / unit.name
        path.write_text(text.replace("/srv/taiga/app", str(ROOT)))
        paths.append(str(path))
    result = subprocess.run([analyze, "verify", *paths], capture_output=True, text=True)
    assert (result.returncode, result.stderr, result.stdout) == (0, "", "")


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(ROOT / "deploy" / "systemd" / name)
    return parser


@pytest.mark.parametrize("name", [unit.name for unit in UNITS])
def test_every_unit_restarts_and_stops_with_sigterm(name: str) -> None:
    service = unit(name)["Service"]
    assert service["Restart"] == "always"
    assert service["KillSignal"] == "SIGTERM"


def test_the_gateway_has_time_to_drain_before_systemd_kills_it() -> None:
    service = unit("taiga-events.service")["Service"]
    drain = Config(secret="s").shutdown_grace_seconds + DRAIN_MARGIN_SECONDS
    assert int(service["TimeoutStopSec"]) > drain
    # SIGTERM to the supervisor alone: it drains the workers itself.
    assert service["KillMode"] == "mixed"
