"""Turning a ``DATABASE_URL`` into a Django ``DATABASES`` entry.

Conventions follow the usual ``DATABASE_URL`` form: ``sqlite:///relative/path``,
``sqlite:////absolute/path``, ``sqlite://:memory:``, and
``postgres://user:password@host:port/name?option=value`` (``postgresql://`` too).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_POSTGRES_SCHEMES = frozenset({"postgres", "postgresql"})


def parse_database_url(url: str) -> dict[str, Any]:
    """Return the ``DATABASES["default"]`` dict for ``url``.

    Raises ImproperlyConfigured for an unsupported scheme or a malformed URL; the message
    never repeats the URL, which may hold a password.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": _sqlite_name(parts.netloc, parts.path),
        }
    if scheme in _POSTGRES_SCHEMES:
        return _postgres(parts)
    raise ImproperlyConfigured(
        f"Unsupported DATABASE_URL scheme {scheme!r}: use sqlite:///path/to/db.sqlite3 "
        "or postgres://user:password@host:port/name."
    )


def _sqlite_name(netloc: str, path: str) -> str:
    if netloc == ":memory:" or path in ("", "/", "/:memory:"):
        return ":memory:"
    if netloc:
        raise ImproperlyConfigured(
            "A sqlite DATABASE_URL takes no host: use sqlite:///relative or sqlite:////absolute."
        )
    return unquote(path[1:])


def _postgres(parts: SplitResult) -> dict[str, Any]:
    name = unquote(parts.path[1:])
    if not name or "/" in name:
        raise ImproperlyConfigured("A postgres DATABASE_URL must name one database: .../name.")
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(
            "The port of the postgres DATABASE_URL is not a number."
        ) from None
    config: dict[str, Any] = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": unquote(parts.hostname or ""),
        "PORT": str(port) if port is not None else "",
    }
    options = dict(parse_qsl(parts.query))
    if options:
        config["OPTIONS"] = options
    return config
