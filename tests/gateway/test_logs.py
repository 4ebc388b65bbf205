import logging
import sys

import orjson
import pytest

from taiga_events.logs import JsonFormatter, Redactor, configure

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


@pytest.mark.parametrize(("level", "quiet"), [("INFO", True), ("WARNING", True), ("DEBUG", False)])
def test_libraries_say_only_what_matters_below_debug(level: str, quiet: bool) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure(level, "text")
        # A line per WebSocket connection, and the AMQP client's ERRORs for a routine
        # broker restart, only when debugging.
        assert logging.getLogger("websockets.server").isEnabledFor(logging.INFO) is not quiet
        assert logging.getLogger("aiormq.connection").isEnabledFor(logging.ERROR) is not quiet
        assert logging.getLogger("aio_pika.robust_connection").isEnabledFor(logging.ERROR) is (
            not quiet
        )
        assert logging.getLogger("taiga_events.brokers.base").isEnabledFor(logging.WARNING)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name in ("websockets", "aiormq", "aio_pika"):
            logging.getLogger(name).setLevel(logging.NOTSET)
