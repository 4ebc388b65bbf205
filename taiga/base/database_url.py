"""Turning a ``DATABASE_URL`` into a Django ``DATABASES`` entry, with dj-database-url.

Accepted: ``sqlite:///relative/path``, ``sqlite:////absolute/path``, ``sqlite://:memory:``,
and ``postgres://user:password@host:port/name?option=value`` (``postgresql://`` too). This
wrapper limits the schemes to the databases the project supports and turns the library's
errors into ImproperlyConfigured messages that never repeat the URL.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_SQLITE = "django.db.backends.sqlite3"
_POSTGRES = "django.db.backends.postgresql"
_SCHEMES = {"sqlite": _SQLITE, "postgres": _POSTGRES, "postgresql": _POSTGRES}


def parse_database_url(url: str) -> dj_database_url.DBConfig:
    """Return the ``DATABASES["default"]`` dict for ``url``.

    Raises ImproperlyConfigured for an unsupported scheme or a malformed URL; the message
    never repeats the URL, which may hold a password.
    """
    try:
        scheme = urlsplit(url).scheme
        if scheme not in _SCHEMES:
            raise ImproperlyConfigured(
                f"Unsupported DATABASE_URL scheme {scheme!r}: use sqlite:///path/to/db.sqlite3 "
                "or postgres://user:password@host:port/name."
            )
        config = dj_database_url.parse(url)
    except ValueError:
        raise ImproperlyConfigured(
            "DATABASE_URL is not a valid URL: is its port a number, and is every special "
            "character of the user name and password percent-encoded?"
        ) from None
    if config["ENGINE"] == _SQLITE and config.get("HOST"):
        raise ImproperlyConfigured(
            "A sqlite DATABASE_URL takes no host: use sqlite:///relative or sqlite:////absolute."
        )
    if config["ENGINE"] == _POSTGRES and (not config["NAME"] or "/" in config["NAME"]):
        raise ImproperlyConfigured("A postgres DATABASE_URL must name one database: .../name.")
    return config
