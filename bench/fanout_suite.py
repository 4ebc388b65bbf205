"""Every fan-out scenario in one go, written to docs/BENCHMARKS.md (``make bench``).

    .venv/bin/python bench/fanout_suite.py [--rates 50,100,150,…] [--duration S]
    .venv/bin/python bench/fanout_suite.py --from results.jsonl

Each run is against a gateway spawned for it (free ports, authorization off) on this
machine's RabbitMQ, or PostgreSQL for the last: scenario A at rising rates until p99
reaches 250 ms or a message is lost, then B, C, D, and B over PostgreSQL ``NOTIFY``. Every
summary is appended to ``--results`` (JSON lines); scenario A is plotted into
docs/fanout-scenario-a.png; the table goes into docs/BENCHMARKS.md between the ``fanout``
markers, with the command of every row and the machine. ``--from`` writes the report from
runs made earlier (one by one with ``bench/fanout.py --json``, e.g. each when the machine
was quiet) instead.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import fanout
from bench.plot import plot
from bench.report import REPORT, write_section

RATES = "50,100,150,200,250,300,350,400,450,500,600,700,800"
PLOT = REPORT.parent / "fanout-scenario-a.png"
RUNS = {
    "A": ["--scenario", "A"],
    "B": ["--scenario", "B"],
    "C": ["--scenario", "C"],
    "D": ["--scenario", "D"],
    "B over PostgreSQL": ["--scenario", "B", "--broker", "postgresql"],
}


def latency(summary: dict) -> str:
    ms = summary["latency_ms"]
    return f"p50 {ms['p50']} / p90 {ms['p90']} / p99 {ms['p99']} / max {ms['max']} ms"


def within(ms: float | None) -> str:
    return "n/a" if ms is None else f"≤ {ms:g} ms"


def verdict(met: bool) -> str:
    return "met" if met else "**not met**"


def table(results: dict[str, list[dict]], top: float | None) -> str:
    """The issue's targets, the original's figures and ours."""
    a = results["A"]
    at_top = next((run for run in a if run["rate"] == top), None)
    failed = a[-1] if a[-1] is not at_top else None
    b, c, d, pg = (results[name][-1] for name in ("B", "C", "D", "B over PostgreSQL"))
    lossless = {name: run["lost"] == 0 for name, run in (("B", b), ("C", c), ("D", d), ("pg", pg))}
    rows = [
        (
            "A: 1,000 clients, 1 project, highest rate with p99 < 250 ms and nothing lost",
            "~12 msg/s",
            "≥ 100 msg/s",
            (f"{top:g} msg/s (p99 {at_top['latency_ms']['p99']} ms)" if at_top else "none")
            + (
                f"; {failed['rate']:g} msg/s: p99 {failed['latency_ms']['p99']} ms, "
                f"lost {failed['lost']}"
                if failed
                else "; every rate tried passed"
            ),
            verdict((top or 0) >= 100),
        ),
        (
            "gateway CPU per delivery at A's top rate",
            "~34 µs in Node + ~41 µs in RabbitMQ",
            "≤ 10 µs, ~0 in RabbitMQ",
            f"{at_top['gateway']['cpu_us_per_delivery']} µs gateway, "
            f"{at_top['rabbitmq']['cpu_us_per_delivery']} µs RabbitMQ"
            if at_top
            else "n/a",
            verdict(bool(at_top) and at_top["gateway"]["cpu_us_per_delivery"] <= 10),
        ),
        (
            "B: 1,000 clients, 100 projects, 1,000 msg/s, 20 s",
            "p99 590 ms",
            "p99 ≤ 10 ms, nothing lost",
            f"p99 {b['latency_ms']['p99']} ms, lost {b['lost']}",
            verdict(b["latency_ms"]["p99"] <= 10 and lossless["B"]),
        ),
        (
            "C: 5,000 clients, 50 projects, 200 msg/s, 20 s",
            "process dies",
            "p99 ≤ 20 ms, nothing lost",
            f"p99 {c['latency_ms']['p99']} ms, lost {c['lost']}",
            verdict(c["latency_ms"]["p99"] <= 20 and lossless["C"]),
        ),
        (
            "D: 15,000 subscribed clients, 1,000 projects, 10 msg/s",
            "process dies at ~2,050",
            "all held; ≤ 20 KB gateway RSS per connection; p99 ≤ 20 ms; "
            "no per-client queue in RabbitMQ",
            f"{d['clients']:,} held ({d['failed_connections']} failed); "
            f"{d['gateway']['rss_kb_per_connection']} KB per connection; "
            f"p99 {d['latency_ms']['p99']} ms, lost {d['lost']}; one queue per gateway process",
            verdict(
                d["failed_connections"] == 0
                and d["gateway"]["rss_kb_per_connection"] <= 20
                and d["latency_ms"]["p99"] <= 20
                and lossless["D"]
            ),
        ),
        (
            "same as B over PostgreSQL NOTIFY",
            "(not supported)",
            "p99 ≤ 20 ms, nothing lost",
            f"p99 {pg['latency_ms']['p99']} ms, lost {pg['lost']}",
            verdict(pg["latency_ms"]["p99"] <= 20 and lossless["pg"]),
        ),
    ]
    lines = [
        "| scenario | original taiga-events | target | this gateway | |",
        "|---|---|---|---|---|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]
    return "\n".join(lines)


def details(results: dict[str, list[dict]]) -> str:
    """Every run: what was asked, what came back, what it cost."""
    lines = [
        "| run | clients / projects | rate (achieved) msg/s | connect s | expected / lost "
        "| latency at the clients | gateway's own p99 | deliveries/s "
        "| gateway CPU s (µs/delivery) | gateway RSS MB (KB/conn) | RabbitMQ CPU s "
        "| generator CPU s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, runs in results.items():
        for run in runs:
            gateway, rabbitmq = run["gateway"], run["rabbitmq"]
            lines.append(
                f"| {name} | {run['clients']:,} / {run['projects']:,} "
                f"| {run['rate']:g} ({run['achieved_rate']:g}) | {run['connect_seconds']} "
                f"| {run['expected']:,} / {run['lost']:,} | {latency(run)} "
                f"| {within(gateway['p99_within_ms'])} | {run['deliveries_per_s']:,.0f} "
                f"| {gateway['cpu_seconds']} ({gateway['cpu_us_per_delivery']}) "
                f"| {gateway['rss_mb']} ({gateway['rss_kb_per_connection']}) "
                f"| {rabbitmq['cpu_seconds'] if rabbitmq['cpu_seconds'] is not None else 'n/a'} "
                f"| {run['generator_cpu_seconds']} |"
            )
    lines.append("")
    for name, runs in results.items():
        commands = dict.fromkeys(run["command"] for run in runs)
        lines.append(f"- {name}: " + "; ".join(f"`{command}`" for command in commands))
    return "\n".join(lines)


def run_all(rates: str, duration: str | None, results_file: Path) -> list[dict]:
    summaries = []
    for name, argv in RUNS.items():
        argv = [*argv, "--spawn-gateway"]
        if name == "A":
            argv += ["--rates", rates]
        if duration:
            argv += ["--duration", duration]
        summaries += fanout.sweep(fanout.parse_args([*argv, "--json", str(results_file)]))[0]
    return summaries


def by_run(summaries: list[dict]) -> tuple[dict[str, list[dict]], float | None]:
    """The runs under their names (the last of each but A's sweep), and A's top rate."""
    results: dict[str, list[dict]] = {name: [] for name in RUNS}
    for summary in summaries:
        postgresql = summary["broker"] == "postgresql"
        results["B over PostgreSQL" if postgresql else summary["scenario"]].append(summary)
    top = None
    for run in results["A"]:
        if not fanout.passed(run):
            break
        top = run["rate"]
    for name, runs in results.items():
        if not runs:
            raise SystemExit(f"no run of {name}")
        if name != "A":
            results[name] = runs[-1:]
    return results, top


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", default=RATES, help="scenario A's rates, in turn")
    parser.add_argument("--duration", help="seconds of publishing, instead of the presets'")
    parser.add_argument("--results", type=Path, help="JSON lines (default: a new temporary file)")
    parser.add_argument(
        "--from",
        dest="source",
        type=Path,
        help="write the report from the runs in this JSON-lines file instead of running them "
        "(A's runs in the order of its sweep; the last run of each other scenario)",
    )
    arguments = parser.parse_args()
    if arguments.source:
        results_file = arguments.source
        lines = results_file.read_text().splitlines()
        summaries = [json.loads(line) for line in lines if line.strip()]
    else:
        results_file = arguments.results or Path(tempfile.gettempdir()) / (
            f"fanout-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
        )
        summaries = run_all(arguments.rates, arguments.duration, results_file)
    results, top = by_run(summaries)
    title = "Scenario A: 1,000 clients, 1 project"
    limit = fanout.P99_LIMIT_MS
    PLOT.write_bytes(plot(results["A"], title, limit_ms=limit))
    body = (
        f"{table(results, top)}\n\n"
        f"![Scenario A: latency percentiles against message rate]({PLOT.name})\n\n"
        f"{details(results)}\n"
    )
    write_section("fanout", "Gateway fan-out", body)
    print(f"results: {results_file}; {REPORT} and {PLOT} written")


if __name__ == "__main__":
    main()
