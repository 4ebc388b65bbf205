"""What the project services announce, inside their transaction, for other apps to act on.

The notifications app turns them into web and live notifications. Each names who acted as
``by`` (a user, or None when the system acted) and is sent by the model class of the item.
"""

from django.dispatch import Signal

item_changed = Signal()
"""A user story, task, issue, epic, milestone or wiki page was created, changed or deleted:
``item``, ``entry`` (its history entry, whose ``type`` is ``create``, ``change`` or
``delete``), ``before`` and ``after`` (who was involved, an ``Involvement``; None when the
item did not exist). A deleted ``item`` has lost its ``pk``: ``entry.object_id`` has it."""

items_assigned = Signal()
"""A bulk assignment made ``user`` an assignee of ``items``, each of which they were not
assigned to before."""

member_added = Signal()
"""``membership`` was created."""

commented = Signal()
"""``entry``, a comment, was added to ``item``."""
