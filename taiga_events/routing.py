"""Routing keys and subscription patterns (AMQP topic semantics), without I/O.

A routing key is a dot-separated list of words. A pattern may use ``*`` for exactly
one word and ``#`` for zero or more words, as a RabbitMQ topic exchange does.

One documented exception: the seed promises that ``changes.project.5.*`` means "all
changes in project 5", while under AMQP rules ``*`` would match one word only and the
real routing keys (``changes.project.5.userstories.userstory``) have two more. So a
pattern ``changes.project.{id}.*`` is normalized to ``changes.project.{id}.#``.
"""

from __future__ import annotations

import re

MAX_KEY_LENGTH = 255
MAX_SEGMENTS = 16

_WORD = re.compile(r"^[A-Za-z0-9_\-]+$")
_PROJECT_STAR = re.compile(r"^changes\.project\.(\d+)\.\*$")


class InvalidPattern(ValueError):
    """A routing key or pattern that cannot be used, with the reason."""


def validate_pattern(pattern: object) -> str:
    """Return ``pattern`` if it is a usable subscription pattern, else raise InvalidPattern."""
    if not isinstance(pattern, str):
        raise InvalidPattern("routing_key must be a string")
    if not pattern:
        raise InvalidPattern("routing_key must not be empty")
    if len(pattern) > MAX_KEY_LENGTH:
        raise InvalidPattern(f"routing_key is longer than {MAX_KEY_LENGTH} characters")
    words = pattern.split(".")
    if len(words) > MAX_SEGMENTS:
        raise InvalidPattern(f"routing_key has more than {MAX_SEGMENTS} segments")
    for word in words:
        if word not in ("*", "#") and not _WORD.match(word):
            raise InvalidPattern(
                "routing_key segments must be '*', '#' or letters, digits, '_' and '-'"
            )
    return pattern


def normalize_pattern(pattern: str) -> str:
    """Apply the ``changes.project.{id}.*`` → ``changes.project.{id}.#`` exception."""
    match = _PROJECT_STAR.match(pattern)
    if match:
        return f"changes.project.{match.group(1)}.#"
    return pattern


def is_wildcard(pattern: str) -> bool:
    """Whether the pattern can match more than one routing key."""
    return "*" in pattern or "#" in pattern


def _words_match(pattern: list[str], key: list[str]) -> bool:
    # reachable[j]: the pattern words consumed so far can match the first j key words.
    reachable = [True] + [False] * len(key)
    for word in pattern:
        if word == "#":
            for j in range(1, len(key) + 1):
                reachable[j] = reachable[j] or reachable[j - 1]
        else:
            for j in range(len(key), 0, -1):
                reachable[j] = reachable[j - 1] and (word == "*" or word == key[j - 1])
            reachable[0] = False
    return reachable[len(key)]


def matches(pattern: str, routing_key: str) -> bool:
    """Whether ``routing_key`` matches ``pattern`` under AMQP topic rules."""
    if not is_wildcard(pattern):
        return pattern == routing_key
    return _words_match(pattern.split("."), routing_key.split("."))
