"""Fitting messages into a broker's size limit, without I/O."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .backends.base import UnsendableEvent


class MessageTooLarge(UnsendableEvent):
    """A message over the limit that has no ``pk`` list to split."""


def split_to_fit(
    message: dict[str, Any], encode: Callable[[dict[str, Any]], bytes], limit: int
) -> list[bytes]:
    """Encode ``message``, splitting a bulk ``data.pk`` list into as many messages as needed
    for each to stay within ``limit`` bytes. Raises MessageTooLarge if it cannot fit."""
    body = encode(message)
    if len(body) <= limit:
        return [body]
    data = message.get("data")
    pks = data.get("pk") if isinstance(data, dict) else None
    if not isinstance(pks, list) or len(pks) < 2:
        raise MessageTooLarge(f"message of {len(body)} bytes exceeds the {limit}-byte limit")
    half = len(pks) // 2
    parts = []
    for chunk in (pks[:half], pks[half:]):
        parts.extend(split_to_fit({**message, "data": {**data, "pk": chunk}}, encode, limit))
    return parts
