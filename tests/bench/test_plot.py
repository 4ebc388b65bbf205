"""The benchmark's plot: the series, scales and labels it promises, and its command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip(
    "matplotlib", reason="the plot needs the bench extra: pip install -e '.[bench]'"
)

from bench.plot import SERIES, figure, read_runs

ROOT = Path(__file__).resolve().parents[2]
RUNS = [
    {"scenario": "A", "rate": 200, "latency_ms": {"p50": 40.0, "p90": 80.0, "p99": 110.0}},
    {"scenario": "A", "rate": 100, "latency_ms": {"p50": 10.0, "p90": 30.0, "p99": 50.0}},
    {"scenario": "A", "rate": 300, "latency_ms": {"p50": 1400.0, "p90": 2000.0, "p99": 2200.0}},
]


def test_percentiles_against_rate_on_a_log_scale_with_the_limit() -> None:
    axes = figure(RUNS, "Scenario A", limit_ms=250).axes[0]
    assert axes.get_title() == "Scenario A"
    assert axes.get_yscale() == "log"
    assert "msg/s" in axes.get_xlabel()
    assert "ms" in axes.get_ylabel()
    assert [text.get_text() for text in axes.get_legend().get_texts()] == [
        *SERIES,
        "limit 250 ms",
    ]
    lines = {line.get_label(): line for line in axes.get_lines()}
    for name in SERIES:
        assert list(lines[name].get_xdata()) == [100, 200, 300]
        expected = [run["latency_ms"][name] for run in sorted(RUNS, key=lambda r: r["rate"])]
        assert list(lines[name].get_ydata()) == expected
    assert list(lines["limit 250 ms"].get_ydata()) == [250, 250]
    assert axes.get_ylim()[1] > 2200


def test_a_capped_axis_writes_the_p99_it_cuts() -> None:
    axes = figure(RUNS, "Scenario A", y_max=1000).axes[0]
    assert axes.get_ylim()[1] == 1000
    assert [text.get_text() for text in axes.texts] == ["p99 2200 ms ↑"]


def test_runs_are_read_from_json_lines_by_scenario(tmp_path: Path) -> None:
    results = tmp_path / "results.jsonl"
    other = {"scenario": "B", "rate": 1000, "latency_ms": {"p50": 1, "p90": 2, "p99": 3}}
    results.write_text("".join(json.dumps(run) + "\n" for run in [*RUNS, other]) + "\n")
    assert read_runs(results, "A") == RUNS
    assert read_runs(results) == [*RUNS, other]


def test_the_command_line_writes_a_png(tmp_path: Path) -> None:
    results = tmp_path / "results.jsonl"
    results.write_text("".join(json.dumps(run) + "\n" for run in RUNS))
    output = tmp_path / "out.png"
    command = [sys.executable, "bench/plot.py", str(results), str(output), "--title", "A"]
    subprocess.run([*command, "--limit-ms", "250"], cwd=ROOT, check=True, timeout=60)
    assert output.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
