"""Structured logs, with tokens and secrets kept out of them.

One JSON object per line (``LOG_FORMAT=json``, the default) or plain text for people. Every
line, whichever library wrote it (``websockets`` logs whole frames at DEBUG), passes a
redaction that removes JWTs, ``"token"`` values, URL passwords and the configured secrets.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from urllib.parse import urlsplit

import orjson

from .config import Config

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){0,2}")
# A "token" field's value, also inside JSON that is itself in a JSON string (\" quotes).
_TOKEN_FIELD = re.compile(
    r"""(token(?:\\?["'])?\s*[:=]\s*(?:\\?["'])?)[^"'\\,}\s]+""", re.IGNORECASE
)
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@", re.IGNORECASE)
REDACTED = "[redacted]"
_LIBRARY_LEVELS = {
    "websockets": logging.WARNING,
    "aiormq": logging.CRITICAL,
    "aio_pika": logging.CRITICAL,
}
# Attributes every LogRecord has; anything else was passed as ``extra`` and is a field.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message"}


class Redactor:
    """Removes what must never be written to a log from a line of text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Short values would redact ordinary words; a real secret is never that short.
        self.secrets = sorted((s for s in secrets if len(s) >= 8), key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        text = _JWT.sub(REDACTED, text)
        text = _TOKEN_FIELD.sub(rf"\g<1>{REDACTED}", text)
        return _URL_PASSWORD.sub(rf"\g<1>{REDACTED}@", text)


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", ...extra fields, "exception"?}`` per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update((key, value) for key, value in vars(record).items() if key not in _STANDARD)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class _RedactingFormatter(logging.Formatter):
    def __init__(self, inner: logging.Formatter, redact: Redactor) -> None:
        super().__init__()
        self.inner = inner
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(self.inner.format(record))


def secrets_of(config: Config) -> list[str]:
    """What must never be shown, beyond the tokens that are scrubbed anyway."""
    passwords = (urlsplit(url).password for url in (config.rabbitmq_url, config.postgresql_url))
    return [config.secret, *(password for password in passwords if password)]


class _Fields(logging.Filter):
    """Adds the same fields to every record (a worker's index)."""

    def __init__(self, fields: Mapping[str, object]) -> None:
        super().__init__()
        self.fields = fields

    def filter(self, record: logging.LogRecord) -> bool:
        record.__dict__.update(self.fields)
        return True


def configure(
    level: str,
    log_format: str,
    secrets: Iterable[str] = (),
    fields: Mapping[str, object] | None = None,
) -> None:
    """Send every log record to stderr, formatted and redacted, at ``level`` and above;
    ``fields`` are added to every record (JSON lines show them)."""
    if log_format == "json":
        inner: logging.Formatter = JsonFormatter()
    else:
        inner = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_RedactingFormatter(inner, Redactor(secrets)))
    if fields:
        handler.addFilter(_Fields(fields))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Below DEBUG, what libraries say on their own is noise or said better by the gateway:
    # websockets logs a line per connection opened and closed, and the AMQP client logs a
    # broker restart as ERRORs with tracebacks, which the broker link reports as a WARNING
    # with its cause.
    quiet = root.level > logging.DEBUG
    for name, threshold in _LIBRARY_LEVELS.items():
        logging.getLogger(name).setLevel(threshold if quiet else logging.NOTSET)
