"""What user stories, tasks, issues, epics, milestones and wiki pages have in common.

Each belongs to one project and refers only to things of that project; people are assigned
only if they are members; those with a ``ref`` take the project's next one; those with a
``version`` count their updates, so that a client can refuse to overwrite a change it has
not seen. Saves and deletes go through the model, so each emits its own event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models, transaction
from django.db.models import QuerySet

from taiga.base.exceptions import Conflict, WrongArguments
from taiga.base.models import has_field
from taiga.users.models import User

from ..models import Project
from ..permissions import is_member
from .sequences import allocate_ref

Item = models.Model
# Many-to-many fields to set after saving: name -> users.
ManyUsers = Mapping[str, Iterable[User]]


@transaction.atomic
def create_item(
    model: type[Item], *, project: Project, many: ManyUsers | None = None, **fields: Any
) -> Item:
    """A new ``model`` in ``project`` with ``fields``, checked, with a ref if it has one."""
    item = model(project=project, **fields)
    check_consistency(item, many)
    if has_field(model, "ref"):
        item.ref = allocate_ref(project)
    item.save()
    _set_many(item, many)
    return item


@transaction.atomic
def update_item(
    item: Item,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None = None,
    many: ManyUsers | None = None,
) -> Item:
    """Apply ``changes`` to ``item`` and count a new version.

    With ``expected_version``, the update happens only if nobody else has updated the item
    since the caller read that version; otherwise it raises Conflict (HTTP 409).
    """
    current = type(item).objects.select_for_update().get(pk=item.pk)
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
    return current


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
        if any(not is_member(user, item.project) for user in users):
            errors[name] = "Only members of the project can be assigned."
    if errors:
        raise WrongArguments(errors)


def _describe(item: Item) -> str:
    # How messages name an item: "User story #12", "Wiki page home".
    kind = str(item._meta.verbose_name).capitalize()
    ref = getattr(item, "ref", None)
    return f"{kind} #{ref}" if ref else f"{kind} {item}"


def _set_many(item: Item, many: ManyUsers | None) -> None:
    for name, users in (many or {}).items():
        getattr(item, name).set(users)
