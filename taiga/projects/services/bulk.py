"""Changing many objects at once, with exactly one event per kind of object changed.

Writes go through ``QuerySet.update()`` and ``bulk_update()``, which send no ``post_save``
signals: the per-object events are replaced by one ``change`` event per watched model whose
``pk`` lists every id whose stored values changed, sent when the transaction commits (seed,
section 2). Objects made with ``bulk_create`` still get one ``create`` event each, as a
``post_save`` would have sent: clients fetch a new object by a single ``pk``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import models, transaction
from django.db.models import F, Model, ProtectedError, QuerySet, RestrictedError
from django.utils import timezone

from taiga.base.exceptions import Conflict, WrongArguments
from taiga.base.models import has_field
from taiga.events.events import emit_event_for_ids, emit_event_for_model
from taiga.events.registry import type_name_for
from taiga.users.models import User

from ..models import Project
from ..signals import items_assigned


class BulkChanges:
    """The ids a bulk operation changed, per model, for one event per model at the end."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._ids: dict[type[Model], dict[int, None]] = {}

    def add(self, model: type[Model], ids: Iterable[int]) -> None:
        self._ids.setdefault(model, {}).update(dict.fromkeys(ids))

    def update(self, queryset: QuerySet, **fields: object) -> list[int]:
        """Set ``fields`` on every object of ``queryset`` in one UPDATE; return their ids.

        Objects with a ``version`` count a new one (a client holding the old one must not
        overwrite this change unseen); ``modified_date`` is refreshed.
        """
        model = queryset.model
        ids = list(queryset.order_by("pk").values_list("pk", flat=True))
        if not ids:
            return ids
        if has_field(model, "version"):
            fields["version"] = F("version") + 1
        if has_field(model, "modified_date"):
            fields["modified_date"] = timezone.now()
        model.objects.filter(pk__in=ids).update(**fields)
        self.add(model, ids)
        return ids

    def set_orders(
        self, model: type[Model], field: str, orders: Sequence[tuple[int, int]]
    ) -> list[int]:
        """Write the ``(id, order)`` pairs that change ``field`` in one statement; return
        their ids. A pair equal to the stored order is neither written nor in the event."""
        stored = dict(
            model.objects.filter(pk__in=[pk for pk, _ in orders]).values_list("pk", field)
        )
        changed = [(pk, order) for pk, order in orders if stored.get(pk) != order]
        if changed:
            model.objects.bulk_update(
                [model(pk=pk, **{field: order}) for pk, order in changed], [field]
            )
        ids = [pk for pk, _ in changed]
        self.add(model, ids)
        return ids

    def emit(self) -> None:
        """One ``change`` event per watched model, after the transaction commits."""
        for model, ids in self._ids.items():
            type_name = type_name_for(model)
            if type_name and ids:
                emit_event_for_ids(ids, content_type=type_name, project_id=self.project.pk)


def emit_created(objects: Iterable[Model]) -> None:
    """One ``create`` event per object made with ``bulk_create`` (which sends no signals),
    each with its single ``pk``, as ``post_save`` sends for one object; none if unwatched."""
    for obj in objects:
        if type_name_for(type(obj)):
            emit_event_for_model(obj, type="create")


@transaction.atomic
def change_in_bulk(project: Project, objects: Sequence[Model], **fields: object) -> list[int]:
    """Set ``fields`` on those of ``objects`` that differ (a bulk status change, a bulk
    assignment): one UPDATE, one event with the ids that changed, which it returns."""
    if not objects:
        return []
    model = type(objects[0])
    changes = BulkChanges(project)
    ids = changes.update(
        model.objects.filter(pk__in=[obj.pk for obj in objects]).exclude(**fields), **fields
    )
    changes.emit()
    return ids


@transaction.atomic
def assign_in_bulk(
    project: Project, objects: Sequence[Model], user: User | None, *, by: User | None = None
) -> None:
    """Make ``user`` (or nobody) the assignee of each of ``objects`` (tasks, issues, epics):
    one event; ``user`` is told of each one they were not assigned to before."""
    changed = set(change_in_bulk(project, objects, assigned_to=user))
    if user is not None and changed:
        newly = [obj for obj in objects if obj.pk in changed]
        items_assigned.send(sender=type(objects[0]), items=newly, user=user, by=by)


@transaction.atomic
def delete_with_dependents(obj: Model, *, move_to: Model | None = None) -> None:
    """Delete a status, type, swimlane or milestone (``obj``); the watched objects that
    use it move to ``move_to`` first (one change event per kind).

    Without ``move_to``, an object still in use by something that cannot be left without
    it (a user story's status) is a 409; nullable uses (a story's milestone or swimlane)
    are emptied.
    """
    if move_to is not None and (
        type(move_to) is not type(obj) or move_to.project_id != obj.project_id or move_to == obj
    ):
        raise WrongArguments({"moveTo": "Give another one of the same kind and project."})
    changes = BulkChanges(obj.project)
    for relation in _dependents(type(obj)):
        users = relation.related_model.objects.filter(**{relation.field.name: obj})
        if move_to is not None or relation.on_delete is models.SET_NULL:
            changes.update(users, **{relation.field.name: move_to})
    changes.emit()  # first the moves, then the deletion; both vanish if the delete fails
    try:
        obj.delete()
    except (ProtectedError, RestrictedError):
        raise Conflict(
            f"{obj._meta.verbose_name.capitalize()} {str(obj)!r} is still in use; "
            "pass ?moveTo=<id> to move what uses it to another one."
        ) from None


def _dependents(model: type[Model]) -> list[models.ForeignObjectRel]:
    # Foreign keys of watched models (user stories, tasks…) to ``model``, except those that
    # go with it (board cells), which the delete removes, each with its own event.
    return [
        relation
        for relation in model._meta.related_objects
        if relation.on_delete is not models.CASCADE and type_name_for(relation.related_model)
    ]
