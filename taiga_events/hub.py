"""The subscription index: which connections receive a message. No I/O.

Exact patterns are found by one dictionary lookup. Wildcard patterns live in a trie of
words, as a RabbitMQ topic exchange keeps its bindings, so matching a message costs a walk
along its routing key whatever the number of distinct patterns.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Protocol

from .routing import is_wildcard


class Subscriber(Hashable, Protocol):
    session_id: str | None


class _Node:
    __slots__ = ("children", "subscribers")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        # Subscriber → selfNotification, for the pattern that ends at this node.
        self.subscribers: dict[Subscriber, bool] = {}


class Hub:
    def __init__(self) -> None:
        self._exact: dict[str, dict[Subscriber, bool]] = {}
        self._root = _Node()
        self._wildcard_count = 0

    def add(self, subscriber: Subscriber, pattern: str, self_notification: bool) -> None:
        """Subscribe (or re-subscribe with new options) to a normalized pattern."""
        if not is_wildcard(pattern):
            self._exact.setdefault(pattern, {})[subscriber] = self_notification
            return
        node = self._root
        for word in pattern.split("."):
            node = node.children.setdefault(word, _Node())
        if not node.subscribers:
            self._wildcard_count += 1
        node.subscribers[subscriber] = self_notification

    def discard(self, subscriber: Subscriber, pattern: str) -> None:
        if not is_wildcard(pattern):
            subscribers = self._exact.get(pattern)
            if subscribers is not None:
                subscribers.pop(subscriber, None)
                if not subscribers:
                    del self._exact[pattern]
            return
        path = [self._root]
        words = pattern.split(".")
        for word in words:
            node = path[-1].children.get(word)
            if node is None:
                return
            path.append(node)
        end = path[-1]
        if end.subscribers.pop(subscriber, None) is not None and not end.subscribers:
            self._wildcard_count -= 1
        # Prune the nodes this pattern alone kept alive.
        for depth in range(len(words), 0, -1):
            node = path[depth]
            if node.subscribers or node.children:
                break
            del path[depth - 1].children[words[depth - 1]]

    def recipients(self, routing_key: str, session_id: str | None) -> list[Subscriber]:
        """Each subscriber that should receive the message, once, echo suppression applied.

        A message is an echo for a subscriber whose session id is the message's; it is
        still delivered if any of its matching subscriptions asked for selfNotification.
        """
        chosen: dict[Subscriber, None] = {}
        exact = self._exact.get(routing_key)
        if exact:
            _choose(exact, session_id, chosen)
        if self._wildcard_count:
            for node in _matching_nodes(self._root, routing_key.split(".")):
                _choose(node.subscribers, session_id, chosen)
        return list(chosen)

    @property
    def pattern_count(self) -> int:
        return len(self._exact) + self._wildcard_count


def _matching_nodes(root: _Node, words: list[str]) -> Iterator[_Node]:
    """The trie nodes, with subscribers, whose pattern matches ``words``; each once."""
    end = len(words)
    seen: set[tuple[int, int]] = set()
    stack = [(root, 0)]
    while stack:
        node, i = stack.pop()
        state = (id(node), i)
        if state in seen:
            continue
        seen.add(state)
        children = node.children
        anything = children.get("#")
        if anything is not None:
            # "#" takes zero or more words.
            stack.extend((anything, j) for j in range(i, end + 1))
        if i == end:
            if node.subscribers:
                yield node
            continue
        literal = children.get(words[i])
        if literal is not None:
            stack.append((literal, i + 1))
        one = children.get("*")
        if one is not None:
            stack.append((one, i + 1))


def _choose(
    subscribers: dict[Subscriber, bool], session_id: str | None, chosen: dict[Subscriber, None]
) -> None:
    if session_id is None:
        chosen.update(dict.fromkeys(subscribers))
        return
    for subscriber, self_notification in subscribers.items():
        if self_notification or subscriber.session_id != session_id:
            chosen[subscriber] = None
