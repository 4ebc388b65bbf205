"""Running the command-line tools' ``run(args)`` the way ``taiga-events`` will."""

from __future__ import annotations

import argparse
import asyncio
import io
from types import ModuleType


def parse(module: ModuleType, argv: list[str]) -> argparse.Namespace:
    """Parse ``argv`` with the arguments the module sets up on its subparser."""
    parser = argparse.ArgumentParser(prog=f"taiga-events {module.__name__.rsplit('.', 1)[-1]}")
    module.add_arguments(parser)
    return parser.parse_args(argv)


class LineWatcher(io.StringIO):
    """A stream that wakes a waiter when a line containing some text is written."""

    def __init__(self) -> None:
        super().__init__()
        self._waiters: list[tuple[str, asyncio.Event]] = []

    def write(self, text: str) -> int:
        written = super().write(text)
        for marker, seen in self._waiters:
            if marker in self.getvalue():
                seen.set()
        return written

    def seen(self, marker: str) -> asyncio.Event:
        event = asyncio.Event()
        self._waiters.append((marker, event))
        if marker in self.getvalue():
            event.set()
        return event
