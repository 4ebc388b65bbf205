"""``@username`` mentions in descriptions and comments."""

from __future__ import annotations

import re
from collections.abc import Iterable

from taiga.projects.models import Project
from taiga.users.models import User

# An @ that does not follow a word character (so not an email address), then the characters
# a username may have.
_MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]+)")
# What may end a sentence right after a mention: "thanks @bob." mentions bob.
_TRAILING = ".@+-"


def mentioned_usernames(text: str, usernames: Iterable[str]) -> list[str]:
    """The names among ``usernames`` that ``text`` mentions as ``@name``, in order of first
    mention. ``@name`` matches a username exactly or else ignoring case; punctuation that
    ends it ("thanks @bob.") is dropped when the name with it matches nobody."""
    exact = set(usernames)
    folded = {name.casefold(): name for name in sorted(exact)}
    found: dict[str, None] = {}
    for match in _MENTION.finditer(text):
        token = match.group(1)
        for candidate in (token, token.rstrip(_TRAILING)):
            name = candidate if candidate in exact else folded.get(candidate.casefold())
            if name is not None:
                found[name] = None
                break
    return list(found)


def mentioned_members(project: Project, text: str) -> frozenset[int]:
    """The ids of the members of ``project`` that ``text`` mentions."""
    if "@" not in text:
        return frozenset()
    members = dict(User.objects.filter(memberships__project=project).values_list("username", "pk"))
    return frozenset(members[name] for name in mentioned_usernames(text, members))
