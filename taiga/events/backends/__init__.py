"""Selecting the push backend from settings (``EVENTS_PUSH_BACKEND`` and its URL)."""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from .base import BaseEventsPushBackend

DEFAULT_BACKEND = "taiga.events.backends.memory.EventsPushBackend"

_lock = threading.Lock()
_backend: BaseEventsPushBackend | None = None


def backend_url() -> str:
    """``EVENTS_PUSH_BACKEND_URL``, or the original's ``EVENTS_PUSH_BACKEND_OPTIONS["url"]``."""
    url = getattr(settings, "EVENTS_PUSH_BACKEND_URL", "") or ""
    options: Any = getattr(settings, "EVENTS_PUSH_BACKEND_OPTIONS", None) or {}
    if not isinstance(options, dict):
        raise ImproperlyConfigured("EVENTS_PUSH_BACKEND_OPTIONS must be a dict like {'url': ...}")
    return url or options.get("url", "") or ""


def load_backend(path: str, url: str = "") -> BaseEventsPushBackend:
    """Instantiate the backend class at the dotted ``path``; a wrong path fails clearly."""
    try:
        backend_class = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"EVENTS_PUSH_BACKEND {path!r} cannot be imported: {exc}"
        ) from None
    if not (isinstance(backend_class, type) and issubclass(backend_class, BaseEventsPushBackend)):
        raise ImproperlyConfigured(
            f"EVENTS_PUSH_BACKEND {path!r} is not a BaseEventsPushBackend subclass"
        )
    return backend_class(url)


def get_events_backend() -> BaseEventsPushBackend:
    """The process-wide backend, created on first use and kept (one broker connection)."""
    global _backend
    backend = _backend
    if backend is None:
        with _lock:
            if _backend is None:
                path = getattr(settings, "EVENTS_PUSH_BACKEND", "") or DEFAULT_BACKEND
                _backend = load_backend(path, backend_url())
            backend = _backend
    return backend


def reset_events_backend() -> None:
    """Close the current backend so the next emission uses the settings as they are now."""
    global _backend
    with _lock:
        backend, _backend = _backend, None
    if backend is not None:
        backend.close()


@receiver(setting_changed)
def _on_setting_changed(setting: str, **_: Any) -> None:
    if setting.startswith("EVENTS_PUSH_BACKEND"):
        reset_events_backend()
