"""Slugs that stay unique within a set of rows."""

from django.db.models import QuerySet
from django.utils.text import slugify


def unique_slug(queryset: QuerySet, text: str, *, fallback: str, max_length: int) -> str:
    """``slugify(text)``, suffixed ``-2``, ``-3``… until no row of ``queryset`` has it.

    ``fallback`` is used when ``text`` has nothing sluggable (e.g. only punctuation).
    """
    base = slugify(text)[:max_length].strip("-") or fallback
    taken = set(queryset.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, counter = base, 1
    while slug in taken:
        counter += 1
        suffix = f"-{counter}"
        slug = base[: max_length - len(suffix)] + suffix
    return slug
