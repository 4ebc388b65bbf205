"""The process-wide push backend, chosen by ``EVENTS_PUSH_BACKEND`` and its URL.

The relay (``taiga.events.relay``) publishes the outbox through it. ``publish`` is where
the events that bypass the outbox (live notifications) leave: inline for the in-process
backend, through the background sender (``taiga.events.sender``) for a backend that does
network I/O. The state is per process: after a fork the child builds its own connection
and thread.
"""

from __future__ import annotations

import atexit
import os
import threading
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from .base import BaseEventsPushBackend

DEFAULT_BACKEND = "taiga.events.backends.memory.EventsPushBackend"
EXIT_FLUSH_SECONDS = 5.0

_lock = threading.Lock()
_backend: BaseEventsPushBackend | None = None
_sender: Any = None  # taiga.events.sender.Sender, for blocking backends
_pid = 0


def backend_url() -> str:
    """``EVENTS_PUSH_BACKEND_URL``, or the original's ``EVENTS_PUSH_BACKEND_OPTIONS["url"]``."""
    url = getattr(settings, "EVENTS_PUSH_BACKEND_URL", "") or ""
    options: Any = getattr(settings, "EVENTS_PUSH_BACKEND_OPTIONS", None) or {}
    if not isinstance(options, dict):
        raise ImproperlyConfigured("EVENTS_PUSH_BACKEND_OPTIONS must be a dict like {'url': ...}")
    return url or options.get("url", "") or ""


def backend_path() -> str:
    return getattr(settings, "EVENTS_PUSH_BACKEND", "") or DEFAULT_BACKEND


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


def check_settings() -> None:
    """Fail at start-up, not on the first save, when the backend settings are wrong."""
    load_backend(backend_path(), backend_url()).close()


def _current() -> tuple[BaseEventsPushBackend, Any]:
    global _backend, _sender, _pid
    with _lock:
        if _backend is None or _pid != os.getpid():
            from ..sender import Sender

            _backend = load_backend(backend_path(), backend_url())
            _sender = None
            if _backend.blocking:
                _sender = Sender(
                    _backend,
                    retry_delays=getattr(settings, "EVENTS_PUSH_RETRY_DELAYS", None),
                    max_delay=getattr(settings, "EVENTS_PUSH_MAX_DELAY", None),
                    max_queue=getattr(settings, "EVENTS_PUSH_QUEUE_SIZE", None),
                )
            _pid = os.getpid()
        return _backend, _sender


def get_events_backend() -> BaseEventsPushBackend:
    """The process-wide backend, created on first use and kept (one broker connection)."""
    return _current()[0]


def publish(routing_key: str, message: dict[str, Any]) -> None:
    """Hand one event to the backend; only the in-process backend can raise from here."""
    backend, sender = _current()
    if sender is None:
        backend.emit_event(message, routing_key=routing_key)
    else:
        sender.submit(routing_key, message)


def sender_stats() -> Any:
    """Counters of the background sender (sent, retried, failed, dropped), or None."""
    with _lock:
        return _sender.stats if _sender is not None and _pid == os.getpid() else None


def flush(timeout: float | None = None) -> bool:
    """Wait until every event published so far has left the process; False on timeout."""
    with _lock:
        sender = _sender if _pid == os.getpid() else None
    return sender.flush(timeout) if sender is not None else True


def reset_events_backend() -> None:
    """Stop the relay, send what is queued, close the backend; the next event uses the
    settings as they are."""
    global _backend, _sender
    from ..relay import stop_relays

    stop_relays()
    with _lock:
        backend, sender, same_process = _backend, _sender, _pid == os.getpid()
        _backend = _sender = None
    if backend is None or not same_process:
        return
    if sender is not None:
        sender.close(EXIT_FLUSH_SECONDS)
    else:
        backend.close()


atexit.register(reset_events_backend)


@receiver(setting_changed)
def _on_setting_changed(setting: str, **_: Any) -> None:
    if setting.startswith("EVENTS_PUSH_BACKEND"):
        reset_events_backend()
