"""Latency percentiles against message rate, as a PNG, from the fan-out benchmark's JSON lines.

    .venv/bin/python bench/plot.py results.jsonl docs/fanout-scenario-a.png [--title …]

No plotting library: a small raster canvas, a 5x7 pixel font and the PNG format written with
zlib, so the benchmark needs nothing beyond the project's own dependencies.
"""

from __future__ import annotations

import argparse
import itertools
import json
import struct
import zlib
from pathlib import Path

# 5x7 glyphs, one string of five bits per row.
FONT = {
    "0": ["01110", "10001", "10011", "10101", "11001", "10001", "01110"],
    "1": ["00100", "01100", "00100", "00100", "00100", "00100", "01110"],
    "2": ["01110", "10001", "00001", "00010", "00100", "01000", "11111"],
    "3": ["11110", "00001", "00001", "01110", "00001", "00001", "11110"],
    "4": ["00010", "00110", "01010", "10010", "11111", "00010", "00010"],
    "5": ["11111", "10000", "11110", "00001", "00001", "10001", "01110"],
    "6": ["00110", "01000", "10000", "11110", "10001", "10001", "01110"],
    "7": ["11111", "00001", "00010", "00100", "01000", "01000", "01000"],
    "8": ["01110", "10001", "10001", "01110", "10001", "10001", "01110"],
    "9": ["01110", "10001", "10001", "01111", "00001", "00010", "01100"],
    ".": ["00000", "00000", "00000", "00000", "00000", "01100", "01100"],
    ",": ["00000", "00000", "00000", "00000", "01100", "00100", "01000"],
    "/": ["00001", "00010", "00010", "00100", "01000", "01000", "10000"],
    "(": ["00010", "00100", "01000", "01000", "01000", "00100", "00010"],
    ")": ["01000", "00100", "00010", "00010", "00010", "00100", "01000"],
    ":": ["00000", "01100", "01100", "00000", "01100", "01100", "00000"],
    "-": ["00000", "00000", "00000", "11111", "00000", "00000", "00000"],
    "<": ["00010", "00100", "01000", "10000", "01000", "00100", "00010"],
    "=": ["00000", "00000", "11111", "00000", "11111", "00000", "00000"],
    " ": ["00000"] * 7,
    "a": ["00000", "00000", "01110", "00001", "01111", "10001", "01111"],
    "b": ["10000", "10000", "10110", "11001", "10001", "10001", "11110"],
    "c": ["00000", "00000", "01110", "10000", "10000", "10001", "01110"],
    "d": ["00001", "00001", "01101", "10011", "10001", "10001", "01111"],
    "e": ["00000", "00000", "01110", "10001", "11111", "10000", "01110"],
    "f": ["00110", "01001", "01000", "11100", "01000", "01000", "01000"],
    "g": ["00000", "01111", "10001", "10001", "01111", "00001", "01110"],
    "h": ["10000", "10000", "10110", "11001", "10001", "10001", "10001"],
    "i": ["00100", "00000", "01100", "00100", "00100", "00100", "01110"],
    "j": ["00010", "00000", "00110", "00010", "00010", "10010", "01100"],
    "k": ["10000", "10000", "10010", "10100", "11000", "10100", "10010"],
    "l": ["01100", "00100", "00100", "00100", "00100", "00100", "01110"],
    "m": ["00000", "00000", "11010", "10101", "10101", "10001", "10001"],
    "n": ["00000", "00000", "10110", "11001", "10001", "10001", "10001"],
    "o": ["00000", "00000", "01110", "10001", "10001", "10001", "01110"],
    "p": ["00000", "00000", "11110", "10001", "11110", "10000", "10000"],
    "r": ["00000", "00000", "10110", "11001", "10000", "10000", "10000"],
    "s": ["00000", "00000", "01110", "10000", "01110", "00001", "11110"],
    "t": ["01000", "01000", "11100", "01000", "01000", "01001", "00110"],
    "u": ["00000", "00000", "10001", "10001", "10001", "10011", "01101"],
    "v": ["00000", "00000", "10001", "10001", "10001", "01010", "00100"],
    "w": ["00000", "00000", "10001", "10001", "10101", "10101", "01010"],
    "x": ["00000", "00000", "10001", "01010", "00100", "01010", "10001"],
    "y": ["00000", "00000", "10001", "10001", "01111", "00001", "01110"],
    "A": ["01110", "10001", "10001", "11111", "10001", "10001", "10001"],
    "B": ["11110", "10001", "10001", "11110", "10001", "10001", "11110"],
    "C": ["01110", "10001", "10000", "10000", "10000", "10001", "01110"],
    "D": ["11100", "10010", "10001", "10001", "10001", "10010", "11100"],
    "L": ["10000", "10000", "10000", "10000", "10000", "10000", "11111"],
    "P": ["11110", "10001", "10001", "11110", "10000", "10000", "10000"],
    "R": ["11110", "10001", "10001", "11110", "10100", "10010", "10001"],
    "S": ["01111", "10000", "10000", "01110", "00001", "00001", "11110"],
}
WHITE, BLACK, GREY = (255, 255, 255), (30, 30, 30), (225, 225, 225)
SERIES = {"p50": (40, 120, 200), "p90": (230, 150, 30), "p99": (200, 40, 40)}


class Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(WHITE * (width * height))

    def dot(self, x: int, y: int, color: tuple[int, int, int]) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            offset = (y * self.width + x) * 3
            self.pixels[offset : offset + 3] = bytes(color)

    def line(self, x0: int, y0: int, x1: int, y1: int, color, thick: int = 1) -> None:
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for step in range(steps + 1):
            x = round(x0 + (x1 - x0) * step / steps)
            y = round(y0 + (y1 - y0) * step / steps)
            for dx in range(thick):
                for dy in range(thick):
                    self.dot(x + dx - thick // 2, y + dy - thick // 2, color)

    def text(self, x: int, y: int, text: str, color=BLACK, scale: int = 2) -> None:
        for index, char in enumerate(text):
            glyph = FONT.get(char, FONT[" "])
            for row, bits in enumerate(glyph):
                for column, bit in enumerate(bits):
                    if bit == "1":
                        for dx in range(scale):
                            for dy in range(scale):
                                self.dot(
                                    x + (index * 6 + column) * scale + dx,
                                    y + row * scale + dy,
                                    color,
                                )

    def png(self) -> bytes:
        rows = b"".join(
            b"\x00" + bytes(self.pixels[y * self.width * 3 : (y + 1) * self.width * 3])
            for y in range(self.height)
        )

        def chunk(kind: bytes, data: bytes) -> bytes:
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b"")
        )


def nice_step(span: float) -> float:
    raw = span / 5
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 0.1
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def plot(
    runs: list[dict], title: str, limit_ms: float | None = None, y_max: float | None = None
) -> bytes:
    """Latency p50/p90/p99 (ms) against the message rate (msg/s).

    ``limit_ms`` draws a horizontal line (a latency criterion); ``y_max`` caps the latency
    axis, so that an overloaded run does not flatten the others: what lies above is drawn
    on the top edge.
    """
    runs = sorted(runs, key=lambda run: run["rate"])
    width, height, left, right, top, bottom = 900, 560, 90, 30, 60, 70
    canvas = Canvas(width, height)
    x_max = max(run["rate"] for run in runs) * 1.05
    highest = max(run["latency_ms"]["p99"] for run in runs) * 1.1 or 1
    y_max = min(highest, y_max) if y_max else highest

    def to_x(rate: float) -> int:
        return left + round(rate / x_max * (width - left - right))

    def to_y(ms: float) -> int:
        return height - bottom - round(min(ms, y_max) / y_max * (height - top - bottom))

    y_step = nice_step(y_max)
    value = 0.0
    while value <= y_max:
        canvas.line(left, to_y(value), width - right, to_y(value), GREY)
        canvas.text(left - 12 * len(f"{value:g}") - 6, to_y(value) - 7, f"{value:g}")
        value += y_step
    x_step = nice_step(x_max)
    value = 0.0
    while value <= x_max:
        canvas.line(to_x(value), height - bottom, to_x(value), height - bottom + 6, BLACK)
        canvas.text(to_x(value) - 6 * len(f"{value:g}"), height - bottom + 12, f"{value:g}")
        value += x_step
    if limit_ms is not None and limit_ms <= y_max:
        for x in range(left, width - right, 12):
            canvas.line(x, to_y(limit_ms), x + 6, to_y(limit_ms), BLACK)
        canvas.text(left + 12, to_y(limit_ms) - 20, f"limit {limit_ms:g} ms")
    canvas.line(left, top, left, height - bottom, BLACK, 2)
    canvas.line(left, height - bottom, width - right, height - bottom, BLACK, 2)
    for name, color in SERIES.items():
        points = [(to_x(run["rate"]), to_y(run["latency_ms"][name])) for run in runs]
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            canvas.line(x0, y0, x1, y1, color, 3)
        for x, y in points:
            canvas.line(x - 3, y, x + 3, y, color, 3)
    # The p99 of runs above the axis, written where they are cut.
    for run in runs:
        if run["latency_ms"]["p99"] > y_max:
            label = f"p99 {run['latency_ms']['p99']:.0f}"
            canvas.text(to_x(run["rate"]) - 12 * len(label) - 8, top + 4, label, SERIES["p99"])
    legend_x = left + 20
    for name, color in SERIES.items():
        canvas.line(legend_x, top + 12, legend_x + 30, top + 12, color, 4)
        canvas.text(legend_x + 38, top + 5, name, color)
        legend_x += 120
    canvas.text(left, 18, title, scale=3)
    canvas.text(width // 2 - 60, height - 30, "msg/s")
    canvas.text(8, top - 28, "ms")
    return canvas.png()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results", type=Path, help="JSON lines written by bench/fanout.py")
    parser.add_argument("output", type=Path)
    parser.add_argument("--title", default="Scenario A: latency against rate")
    parser.add_argument("--limit-ms", type=float, help="draw this latency criterion")
    parser.add_argument("--y-max", type=float, help="cap the latency axis (ms)")
    parser.add_argument("--scenario", help="only the runs of this scenario")
    args = parser.parse_args()
    runs = [json.loads(line) for line in args.results.read_text().splitlines() if line.strip()]
    runs = [run for run in runs if args.scenario in (None, run["scenario"])]
    args.output.write_bytes(plot(runs, args.title, args.limit_ms, args.y_max))


if __name__ == "__main__":
    main()
