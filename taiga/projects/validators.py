"""Bodies of bulk operations: shapes, limits, and ids resolved within one project.

Every bulk body names its project (``project_id``, or ``project`` where the original Taiga
says so), which must be one the user can see; every other id must belong to that project.
A body that breaks a rule is a 400 naming the field and the offending ids, before anything
is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db.models import Model, QuerySet
from rest_framework import serializers

from taiga.users.models import User

from .models import Project
from .serializers import ViewableProjectField


def ids_field(**kwargs: Any) -> serializers.ListField:
    """A non-empty list of distinct ids, at most ``API_MAX_BULK_ITEMS`` long."""
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        allow_empty=False,
        max_length=settings.API_MAX_BULK_ITEMS,
        **kwargs,
    )


def orders_field(key: str, *, with_order: bool = True) -> serializers.ListSerializer:
    """A non-empty list of ``{key: id, "order": n}`` (the original Taiga's ``bulk_…``), or
    of ``{key: id}`` without ``with_order``."""
    fields: dict[str, serializers.Field] = {key: serializers.IntegerField(min_value=1)}
    if with_order:
        fields["order"] = serializers.IntegerField()
    name = key.title().replace("_", "") + ("Order" if with_order else "")
    item = type(f"{name}Serializer", (serializers.Serializer,), fields)
    return item(many=True, allow_empty=False, max_length=settings.API_MAX_BULK_ITEMS)


def pairs_field() -> serializers.ListField:
    """A non-empty list of ``[id, order]`` pairs (the original's ``bulk_update_order``)."""
    pair = serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2)
    return serializers.ListField(
        child=pair, allow_empty=False, max_length=settings.API_MAX_BULK_ITEMS
    )


class BulkSerializer(serializers.Serializer):
    """Base of bulk bodies: ``project_id`` is read as ``project``."""

    project_id = ViewableProjectField(source="project")


def resolve_one(queryset: QuerySet, pk: int | None, field: str, label: str) -> Model | None:
    """The object ``pk`` of ``queryset`` (one project's), or a 400 on ``field``."""
    if pk is None:
        return None
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise serializers.ValidationError({field: f"There is no {label} {pk} in this project."})
    return obj


def resolve_many(queryset: QuerySet, ids: Sequence[int], field: str, label: str) -> list[Model]:
    """The objects ``ids`` of ``queryset``, in the order given, or a 400 on ``field`` that
    names repeated ids and ids not in the project."""
    repeated = sorted(pk for pk, count in Counter(ids).items() if count > 1)
    if repeated:
        raise serializers.ValidationError({field: f"Repeated ids: {_join(repeated)}."})
    found = queryset.in_bulk(ids)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise serializers.ValidationError(
            {field: f"No {label} in this project has the id {_join(missing)}."}
        )
    return [found[pk] for pk in ids]


def resolve_orders(
    queryset: QuerySet, items: Sequence[Any], key: str, field: str, label: str
) -> list[tuple[Model, int]]:
    """``(object, order)`` for ``[{key: id, "order": n}]`` or ``[[id, n]]`` items."""
    pairs = [(item[key], item["order"]) if key else (item[0], item[1]) for item in items]
    objects = resolve_many(queryset, [pk for pk, _ in pairs], field, label)
    return [(obj, order) for obj, (_, order) in zip(objects, pairs, strict=True)]


def _join(ids: Iterable[int]) -> str:
    return ", ".join(str(pk) for pk in ids)


def bulk_change_serializers(
    model: type[Model], ids_param: str, statuses: Callable[[Project], QuerySet]
) -> dict[str, type[BulkSerializer]]:
    """The bodies of ``bulk_update_status`` (``{"project_id", "status_id", ids_param}``) and
    ``bulk_update_assigned_to`` (``{"project_id", "assigned_to": user id or null,
    ids_param}``) for ``model``; each resolves to ``{"project", "objects", "fields"}``."""
    return {
        "bulk_update_status": _change_serializer(
            model, ids_param, "status_id", "status", statuses, allow_null=False
        ),
        "bulk_update_assigned_to": _change_serializer(
            model, ids_param, "assigned_to", "assigned_to", _members, allow_null=True
        ),
    }


def _change_serializer(
    model: type[Model],
    ids_param: str,
    param: str,
    field: str,
    choices: Callable[[Project], QuerySet],
    *,
    allow_null: bool,
) -> type[BulkSerializer]:
    label = field.replace("_", " ")

    def validate(self: BulkSerializer, attrs: dict[str, Any]) -> dict[str, Any]:
        project = attrs["project"]
        value = resolve_one(choices(project), attrs[param], param, label)
        kind = str(model._meta.verbose_name)
        objects = resolve_many(
            model.objects.filter(project=project), attrs[ids_param], ids_param, kind
        )
        return {"project": project, "objects": objects, "fields": {field: value}}

    name = f"{model.__name__}{field.title().replace('_', '')}BulkSerializer"
    attributes = {
        param: serializers.IntegerField(min_value=1, allow_null=allow_null),
        ids_param: ids_field(),
        "validate": validate,
    }
    return type(name, (BulkSerializer,), attributes)


def _members(project: Project) -> QuerySet[User]:
    return User.objects.filter(memberships__project=project)


def resolve_anchors(
    attrs: dict[str, Any], group: QuerySet, moved: Sequence[Model], label: str, prefix: str
) -> tuple[Model | None, Model | None]:
    """The ``after_{prefix}_id`` and ``before_{prefix}_id`` objects, which must be in
    ``group`` (the destination) and not among ``moved``; at most one may be given."""
    after_param, before_param = f"after_{prefix}_id", f"before_{prefix}_id"
    after_id, before_id = attrs.get(after_param), attrs.get(before_param)
    if after_id is not None and before_id is not None:
        raise serializers.ValidationError(
            {before_param: f"Give {after_param} or {before_param}, not both."}
        )
    moved_ids = {obj.pk for obj in moved}
    anchors = []
    for param, pk in ((after_param, after_id), (before_param, before_id)):
        anchor = None if pk is None else group.filter(pk=pk).first()
        if pk is not None and (anchor is None or pk in moved_ids):
            raise serializers.ValidationError(
                {param: f"The {label} {pk} is not at the destination, or is being moved."}
            )
        anchors.append(anchor)
    return anchors[0], anchors[1]
