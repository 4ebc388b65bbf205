"""Routing keys and subscription patterns (AMQP topic semantics), without I/O.

A routing key is a dot-separated list of words. A pattern may use ``*`` for exactly
one word and ``#`` for zero or more words, as a RabbitMQ topic exchange does.

Two documented exceptions, both about a project's changes:

- the seed promises that ``changes.project.5.*`` means "all changes in project 5", while
  under AMQP rules ``*`` would match one word only and the seed's routing keys
  (``changes.project.5.userstories.userstory``) have two more. So a pattern
  ``changes.project.{id}.*`` is normalized to ``changes.project.{id}.#``;
- the original taiga-back publishes four-word keys (``changes.project.5.userstories``) and
  taiga-front subscribes to them. So a pattern ``changes.project.{id}.{app}`` is normalized
  to ``changes.project.{id}.{app}.#``: it receives both generations of keys.
"""

from __future__ import annotations

import re

MAX_KEY_LENGTH = 255  # AMQP's limit on a routing key
MAX_SEGMENTS = 16

_WORD = re.compile(r"^[A-Za-z0-9_\-]+$")
# changes.project.{id}.* or changes.project.{id}.{app}: the two exceptions above.
_PROJECT_SHORT = re.compile(r"^(changes\.project\.\d+)\.(?:\*|([A-Za-z0-9_\-]+))$")


class InvalidPattern(ValueError):
    """A routing key or pattern that cannot be used, with the reason."""


def validate_pattern(
    pattern: object, *, max_length: int = MAX_KEY_LENGTH, max_segments: int = MAX_SEGMENTS
) -> str:
    """Return ``pattern`` if it is a usable subscription pattern, else raise InvalidPattern."""
    if not isinstance(pattern, str):
        raise InvalidPattern("routing_key must be a string")
    if not pattern:
        raise InvalidPattern("routing_key must not be empty")
    if len(pattern) > max_length:
        raise InvalidPattern(f"routing_key is longer than {max_length} characters")
    words = pattern.split(".")
    if len(words) > max_segments:
        raise InvalidPattern(f"routing_key has more than {max_segments} segments")
    for word in words:
        if word not in ("*", "#") and not _WORD.match(word):
            raise InvalidPattern(
                "routing_key segments must be '*', '#' or letters, digits, '_' and '-'"
            )
    return pattern


def normalize_pattern(pattern: str) -> str:
    """Apply the two exceptions: ``changes.project.{id}.*`` → ``changes.project.{id}.#`` and
    ``changes.project.{id}.{app}`` → ``changes.project.{id}.{app}.#``."""
    match = _PROJECT_SHORT.match(pattern)
    if match is None:
        return pattern
    project, app = match.groups()
    return f"{project}.{app}.#" if app else f"{project}.#"


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


def intersect(pattern: str, template: tuple[str, ...]) -> frozenset[str]:
    """The patterns that match exactly the keys matched by both ``pattern`` and ``template``.

    ``template`` is a fixed-length pattern (literal words and ``*``, no ``#``), such as
    ``("changes", "project", "5", "tasks", "*")``; the result is a set of fixed-length
    patterns, so ``changes.project.5.#`` and that template give ``changes.project.5.tasks.*``.
    This is how a subscription becomes the part of it a user may receive.
    """
    words = pattern.split(".")
    memo: dict[tuple[int, int], frozenset[tuple[str, ...]]] = {}

    def tails(i: int, j: int) -> frozenset[tuple[str, ...]]:
        # Every way pattern words [i:] can meet template words [j:], as the words they make.
        if (i, j) in memo:
            return memo[i, j]
        if i == len(words):
            found = frozenset({()}) if j == len(template) else frozenset()
        elif words[i] == "#":
            found = frozenset(
                template[j:k] + tail
                for k in range(j, len(template) + 1)
                for tail in tails(i + 1, k)
            )
        elif j == len(template):
            found = frozenset()
        else:
            word = _meet(words[i], template[j])
            found = (
                frozenset((word, *tail) for tail in tails(i + 1, j + 1))
                if word is not None
                else frozenset()
            )
        memo[i, j] = found
        return found

    return frozenset(".".join(meeting) for meeting in tails(0, 0))


def _meet(word: str, template_word: str) -> str | None:
    """The word matching what both match, or None: ``*`` yields to a literal."""
    if word == "*":
        return template_word
    if template_word in ("*", word):
        return word
    return None
