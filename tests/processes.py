"""Helpers for tests that run the system's commands as separate processes."""

from __future__ import annotations

import asyncio
import socket


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def read_until(stream: asyncio.StreamReader, marker: str) -> str:
    """Everything the process printed up to and including the line containing ``marker``."""
    lines: list[str] = []
    while not lines or marker not in lines[-1]:
        line = (await stream.readline()).decode()
        if not line:
            raise AssertionError("the process ended early:\n" + "".join(lines))
        lines.append(line)
    return "".join(lines)
