"""What user stories, tasks, issues, epics, milestones and wiki pages have in common.

Each belongs to one project and refers only to things of that project; people are assigned
only if they are members; those with a ``ref`` take the project's next one; those with a
``version`` count their updates, so that a client can refuse to overwrite a change it has
not seen. Saves and deletes go through the model, so each emits its own event; each one is
also recorded in the history and announced (``signals.item_changed``) with who is involved
before and after, for notifications.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import models, transaction
from django.db.models import QuerySet

from taiga.base.exceptions import Conflict, WrongArguments
from taiga.base.models import has_field
from taiga.users.models import User

from .. import signals
from ..history import services as history
from ..history.models import HistoryEntry
from ..models import Project
from ..notifications.involvement import Involvement, involvement_of
from ..permissions import is_member
from .sequences import allocate_ref

Item = models.Model
# Many-to-many fields to set after saving: name -> users.
ManyUsers = Mapping[str, Iterable[User]]


@transaction.atomic
def create_item(
    model: type[Item], *, project: Project, many: ManyUsers | None = None, **fields: Any
) -> Item:
    """A new ``model`` in ``project`` with ``fields``, checked, with a ref if it has one;
    its ``owner`` is who created it."""
    many = {**_pop_many(model, fields), **(many or {})}
    item = model(project=project, **fields)
    check_consistency(item, many)
    if has_field(model, "ref"):
        item.ref = allocate_ref(project)
    item.save()
    _set_many(item, many)
    entry = history.record(item, "create", by=item.owner)
    _announce(item, entry, before=None, after=involvement_of(item))
    return item


@transaction.atomic
def update_item(
    item: Item,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None = None,
    many: ManyUsers | None = None,
    by: User | None = None,
) -> Item:
    """Apply ``changes`` by ``by`` to ``item`` and count a new version.

    With ``expected_version``, the update happens only if nobody else has updated the item
    since the caller read that version; otherwise it raises Conflict (HTTP 409).
    """
    changes = dict(changes)
    many = {**_pop_many(type(item), changes), **(many or {})}
    current = type(item).objects.select_for_update().get(pk=item.pk)
    before = involvement_of(current)
    if has_field(type(item), "version"):
        if expected_version is not None and expected_version != current.version:
            raise Conflict(
                f"{_describe(current)} has changed since version {expected_version} "
                f"(it is now at version {current.version}): reload it and apply your change "
                "again."
            )
        current.version += 1
    for field, value in changes.items():
        setattr(current, field, value)
    check_consistency(current, many)
    current.save()
    _set_many(current, many)
    entry = history.record(current, "change", by=by)
    _announce(current, entry, before=before, after=involvement_of(current))
    return current


@transaction.atomic
def delete_item(
    item: Item, *, by: User | None = None, delete: Callable[[Item], object] = Item.delete
) -> None:
    """Delete ``item`` by ``by`` with ``delete`` (by default the model's own)."""
    before = involvement_of(item)
    entry = history.record(item, "delete", by=by)
    delete(item)
    _announce(item, entry, before=before, after=None)


def first_of(values: QuerySet, field: str) -> Item:
    """The first (in the project's order) of ``values``: the default of ``field``."""
    value = values.order_by("order", "id").first()
    if value is None:
        plural = values.model._meta.verbose_name_plural
        raise WrongArguments({field: f"The project has no {plural}."})
    return value


def check_consistency(item: Item, many: ManyUsers | None = None) -> None:
    """Raise WrongArguments (400) naming each field that points outside the item's project
    or assigns a non-member."""
    errors: dict[str, str] = {}
    for field in item._meta.concrete_fields:
        if not field.is_relation or field.name == "project":
            continue
        related = getattr(item, field.name)
        if related is None:
            continue
        if isinstance(related, User):
            if field.name == "assigned_to" and not is_member(related, item.project):
                errors[field.name] = "Only members of the project can be assigned."
        elif getattr(related, "project_id", item.project_id) != item.project_id:
            errors[field.name] = f"The {field.verbose_name} belongs to another project."
    for name, users in (many or {}).items():
        # Who is already there may stay; who is added must be a member.
        current = set(getattr(item, name).values_list("pk", flat=True)) if item.pk else set()
        if any(user.pk not in current and not is_member(user, item.project) for user in users):
            errors[name] = _MEMBERS_ONLY[name]
    if errors:
        raise WrongArguments(errors)


_MEMBERS_ONLY = {
    "assigned_users": "Only members of the project can be assigned.",
    "watchers": "Only members of the project can be added as watchers.",
}


def _describe(item: Item) -> str:
    # How messages name an item: "User story #12", "Wiki page home".
    kind = str(item._meta.verbose_name).capitalize()
    ref = getattr(item, "ref", None)
    return f"{kind} #{ref}" if ref else f"{kind} {item}"


def _pop_many(model: type[Item], fields: dict[str, Any]) -> dict[str, Any]:
    # Many-to-many values (watchers…) among ``fields``: set after the item is saved.
    names = [field.name for field in model._meta.many_to_many if field.name in fields]
    return {name: fields.pop(name) for name in names}


def _set_many(item: Item, many: ManyUsers | None) -> None:
    for name, users in (many or {}).items():
        getattr(item, name).set(users)


def _announce(
    item: Item, entry: HistoryEntry, *, before: Involvement | None, after: Involvement | None
) -> None:
    signals.item_changed.send(
        sender=type(item), item=item, entry=entry, before=before, after=after, by=entry.user
    )
