"""Fitting messages into a broker's size limit, without I/O."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .backends.base import UnsendableEvent


class MessageTooLarge(UnsendableEvent):
    """A message over the limit that has no ``pk`` list to split."""


def split_to_fit(
    message: dict[str, Any], encode: Callable[[dict[str, Any]], bytes], limit: int
) -> list[dict[str, Any]]:
    """The parts of ``message`` that each encode within ``limit`` bytes: the message itself
    if it fits, else copies with a share of its bulk ``data.pk`` list each, in order.
    Raises MessageTooLarge if it cannot fit.

    Each part of a split message gets an ``event_id`` of its own (the message's with
    ``:1``, ``:2``… added), so that consumers which drop repeated ids keep every part.
    """
    event_id = message.get("event_id")
    if len(encode(message)) <= limit or not isinstance(event_id, str):
        return _split(message, encode, limit)
    # Sized with the longest suffix a part can get, then numbered.
    parts = _split({**message, "event_id": f"{event_id}:{_MAX_PARTS}"}, encode, limit)
    return [{**part, "event_id": f"{event_id}:{number}"} for number, part in enumerate(parts, 1)]


_MAX_PARTS = 999_999


def _split(
    message: dict[str, Any], encode: Callable[[dict[str, Any]], bytes], limit: int
) -> list[dict[str, Any]]:
    size = len(encode(message))
    if size <= limit:
        return [message]
    data = message.get("data")
    pks = data.get("pk") if isinstance(data, dict) else None
    if not isinstance(pks, list) or len(pks) < 2:
        raise MessageTooLarge(f"message of {size} bytes exceeds the {limit}-byte limit")
    half = len(pks) // 2
    return [
        part
        for chunk in (pks[:half], pks[half:])
        for part in _split({**message, "data": {**data, "pk": chunk}}, encode, limit)
    ]
