"""Shared helpers of the benchmarks: percentiles, machine description, writing the report."""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

REPORT = Path(__file__).resolve().parent.parent / "docs" / "BENCHMARKS.md"


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))
    return ordered[rank]


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    """One line saying where the figures were measured."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            match = re.search(r"model name\s*:\s*(.+)", cpuinfo.read())
            cpu = match.group(1) if match else cpu
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        memory = f", {pages / 2**30:.0f} GiB"
    except (ValueError, OSError):
        pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return (
        f"{os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, commit {commit or 'unknown'}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def write_section(name: str, title: str, body: str) -> None:
    """Replace (or add) the report's section ``name`` with ``body``, with command and machine."""
    command = " ".join([Path(sys.executable).name, *sys.argv])
    section = (
        f"<!-- {name}:start -->\n## {title}\n\n"
        f"Command: `{command}`  \nMachine: {machine()}\n\n{body.strip()}\n<!-- {name}:end -->"
    )
    text = REPORT.read_text() if REPORT.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"<!-- {name}:start -->.*?<!-- {name}:end -->", re.DOTALL)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else f"{text}\n{section}\n"
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(text)
