"""Latency percentiles against message rate, as a PNG, from the fan-out benchmark's JSON lines.

    .venv/bin/python bench/plot.py results.jsonl docs/fanout-scenario-a.png [--title …]

Drawn with matplotlib (the ``bench`` extra: ``pip install -e '.[bench]'``), on a log scale of
latency so that an overloaded run does not flatten the others.
"""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

SERIES = {"p50": "#2878c8", "p90": "#e6961e", "p99": "#c82828"}


def figure(
    runs: list[dict], title: str, limit_ms: float | None = None, y_max: float | None = None
) -> Figure:
    """Latency p50/p90/p99 (ms, log scale) against the message rate (msg/s).

    ``limit_ms`` draws a horizontal line (a latency criterion); ``y_max`` caps the latency
    axis, and the p99 of a run above it is written at the top edge.
    """
    runs = sorted(runs, key=lambda run: run["rate"])
    rates = [run["rate"] for run in runs]
    fig = Figure(figsize=(9, 5.6), dpi=120, layout="constrained")
    axes = fig.add_subplot()
    for name, color in SERIES.items():
        latencies = [run["latency_ms"][name] for run in runs]
        axes.plot(rates, latencies, marker="o", linewidth=2, color=color, label=name)
    if limit_ms is not None:
        label = f"limit {limit_ms:g} ms"
        axes.axhline(limit_ms, color="black", linestyle="--", linewidth=1, label=label)
    axes.set_yscale("log")
    if y_max is not None:
        axes.set_ylim(top=y_max)
        for run in runs:
            if run["latency_ms"]["p99"] > y_max:
                axes.annotate(
                    f"p99 {run['latency_ms']['p99']:.0f} ms ↑",
                    (run["rate"], y_max),
                    xytext=(-10, -14),
                    textcoords="offset points",
                    ha="right",
                    color=SERIES["p99"],
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
                )
    # Labels at 1, 2 and 5 times each power of ten: values can be read off the log scale.
    axes.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axes.yaxis.set_minor_formatter(NullFormatter())
    axes.set_xlim(left=0)
    axes.set_xlabel("message rate (msg/s)")
    axes.set_ylabel("latency at the clients (ms)")
    axes.set_title(title, fontweight="bold")
    axes.grid(True, which="major", color="#d0d0d0")
    axes.grid(True, which="minor", axis="y", color="#ececec")
    axes.legend(loc="upper left")
    return fig


def plot(
    runs: list[dict], title: str, limit_ms: float | None = None, y_max: float | None = None
) -> bytes:
    """The :func:`figure` as PNG bytes, drawn by matplotlib's Agg renderer."""
    buffer = io.BytesIO()
    FigureCanvasAgg(figure(runs, title, limit_ms, y_max)).print_png(buffer)
    return buffer.getvalue()


def read_runs(results: Path, scenario: str | None = None) -> list[dict]:
    """The run summaries of a JSON-lines file, or only those of ``scenario``."""
    runs = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    return [run for run in runs if scenario in (None, run["scenario"])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results", type=Path, help="JSON lines written by bench/fanout.py")
    parser.add_argument("output", type=Path)
    parser.add_argument("--title", default="Scenario A: latency against rate")
    parser.add_argument("--limit-ms", type=float, help="draw this latency criterion")
    parser.add_argument("--y-max", type=float, help="cap the latency axis (ms)")
    parser.add_argument("--scenario", help="only the runs of this scenario")
    args = parser.parse_args()
    runs = read_runs(args.results, args.scenario)
    args.output.write_bytes(plot(runs, args.title, args.limit_ms, args.y_max))


if __name__ == "__main__":
    main()
