import logging
import sys

import orjson
import pytest

from taiga_events.logs import JsonFormatter, Redactor

redact = Redactor(["the-configured-secret"])


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('< TEXT \'{"token":"opaque"}\'', '< TEXT \'{"token":"[redacted]"}\''),
        (
            '{"message": "{\\"token\\":\\"opaque\\"}"}',
            '{"message": "{\\"token\\":\\"[redacted]\\"}"}',
        ),
        ("bearer eyJhbGciOi.eyJ1c2Vy.c2lnbmF0dXJl!", "bearer [redacted]!"),
        ("a truncated eyJhbGciOiJIUzI1NiJ9.eyJ1c2...", "a truncated [redacted].."),
        ("amqp://guest:guest@rabbit:5672/", "amqp://guest:[redacted]@rabbit:5672/"),
        ("key the-configured-secret.", "key [redacted]."),
        ("token has expired", "token has expired"),
    ],
)
def test_what_must_not_be_logged_is_redacted(line: str, expected: str) -> None:
    assert redact(line) == expected


def test_json_lines_carry_level_logger_message_and_extra_fields() -> None:
    record = logging.LogRecord(
        "taiga_events.x", logging.WARNING, "f", 1, "lost %s", ("link",), None
    )
    record.user_id = 7
    try:
        raise ValueError("boom")
    except ValueError:
        record.exc_info = sys.exc_info()
    entry = orjson.loads(JsonFormatter().format(record))
    assert {key: entry[key] for key in ("level", "logger", "message", "user_id")} == {
        "level": "WARNING",
        "logger": "taiga_events.x",
        "message": "lost link",
        "user_id": 7,
    }
    assert "ValueError: boom" in entry["exception"]
    assert entry["time"].endswith("+00:00")
