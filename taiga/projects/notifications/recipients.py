"""Who gets a notification, from facts already read: no I/O."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from .choices import DEFAULT_NOTIFY_LEVEL, NotifyLevel


def live_recipients(
    levels: Mapping[int, int], involved: Collection[int], *, actor_id: int | None
) -> list[int]:
    """The ids, sorted, of the people to tell of a change live, before asking who may view
    the item: by each one's notify level in the project (``levels``; without one,
    ``involved``), everyone at ``all``, and at ``involved`` those in ``involved``. Never
    the one who made the change (``actor_id``)."""
    everyone = {user_id for user_id, level in levels.items() if level == NotifyLevel.ALL}
    chosen = everyone | {
        user_id
        for user_id in involved
        if levels.get(user_id, DEFAULT_NOTIFY_LEVEL) == NotifyLevel.INVOLVED
    }
    chosen.discard(actor_id)
    return sorted(chosen)


def others(user_ids: Iterable[int], *, actor_id: int | None) -> list[int]:
    """``user_ids`` without repeats and without the one who acted, sorted."""
    return sorted(set(user_ids) - {actor_id})
