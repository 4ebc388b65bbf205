import orjson
import pytest

from taiga_events import protocol
from taiga_events.protocol import ErrorCode, ProtocolError


def test_ping_auth_subscribe_unsubscribe_parse() -> None:
    assert protocol.parse_command('{"cmd":"ping"}') == protocol.Ping()
    assert protocol.parse_command(
        b'{"cmd":"auth","data":{"token":"t","sessionId":"s"},"id":3}'
    ) == protocol.Auth("t", "s", 3)
    assert protocol.parse_command(
        '{"cmd":"auth","data":{"token":"t","permissions":"p"}}'
    ) == protocol.Auth("t", None, None, "p")
    assert protocol.parse_command(
        '{"cmd":"subscribe","routing_key":"changes.project.5.*",'
        '"options":{"selfNotification":true},"id":"a"}'
    ) == protocol.Subscribe("changes.project.5.*", True, "a")
    assert protocol.parse_command(
        '{"cmd":"subscribe","routing_key":"notifications"}'
    ) == protocol.Subscribe("notifications", False, None)
    assert protocol.parse_command(
        '{"cmd":"unsubscribe","routing_key":"notifications"}'
    ) == protocol.Unsubscribe("notifications")


def test_unknown_fields_are_ignored() -> None:
    command = protocol.parse_command(
        '{"cmd":"subscribe","routing_key":"a","future":1,"options":{"later":true}}'
    )
    assert command == protocol.Subscribe("a", False, None)


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", ErrorCode.INVALID_JSON),
        (b"\xff\xfe", ErrorCode.INVALID_JSON),
        ("null", ErrorCode.INVALID_COMMAND),
        ("[1,2]", ErrorCode.INVALID_COMMAND),
        ('"ping"', ErrorCode.INVALID_COMMAND),
        ("{}", ErrorCode.INVALID_COMMAND),
        ('{"cmd":5}', ErrorCode.INVALID_COMMAND),
        ('{"cmd":"shout"}', ErrorCode.UNKNOWN_COMMAND),
        ('{"cmd":"ping","id":{"x":1}}', ErrorCode.INVALID_ARGUMENT),
        ('{"cmd":"ping","id":true}', ErrorCode.INVALID_ARGUMENT),
        ('{"cmd":"auth"}', ErrorCode.INVALID_ARGUMENT),
        ('{"cmd":"auth","data":{"token":""}}', ErrorCode.INVALID_ARGUMENT),
        ('{"cmd":"auth","data":{"token":7}}', ErrorCode.INVALID_ARGUMENT),
        ('{"cmd":"auth","data":{"token":"t","sessionId":5}}', ErrorCode.INVALID_ARGUMENT),
        ('{"cmd":"auth","data":{"token":"t","permissions":""}}', ErrorCode.INVALID_ARGUMENT),
        ('{"cmd":"auth","data":{"token":"t","permissions":["p"]}}', ErrorCode.INVALID_ARGUMENT),
        ('{"cmd":"subscribe"}', ErrorCode.INVALID_ARGUMENT),
        ('{"cmd":"subscribe","routing_key":["a"]}', ErrorCode.INVALID_ARGUMENT),
        ('{"cmd":"subscribe","routing_key":"a","options":[]}', ErrorCode.INVALID_ARGUMENT),
        (
            '{"cmd":"subscribe","routing_key":"a","options":{"selfNotification":"yes"}}',
            ErrorCode.INVALID_ARGUMENT,
        ),
        ('{"cmd":"unsubscribe","routing_key":null}', ErrorCode.INVALID_ARGUMENT),
    ],
)
def test_bad_frames_raise_a_stable_code(frame: str | bytes, code: str) -> None:
    with pytest.raises(ProtocolError) as raised:
        protocol.parse_command(frame)
    assert raised.value.code == code


def test_errors_carry_the_command_id() -> None:
    with pytest.raises(ProtocolError) as raised:
        protocol.parse_command('{"cmd":"shout","id":9}')
    assert raised.value.command_id == 9
    assert orjson.loads(protocol.error(raised.value.code, "m", 9)) == {
        "cmd": "error",
        "id": 9,
        "code": "unknown_command",
        "message": "m",
    }


def test_event_frame_puts_the_message_routing_key_first() -> None:
    frame = protocol.event_frame(
        "changes.project.5.userstories.userstory",
        {
            "session_id": "s",
            "data": {"type": "create", "matches": "userstories.userstory", "pk": 1},
        },
    )
    assert frame == (
        b'{"routing_key":"changes.project.5.userstories.userstory","session_id":"s",'
        b'"data":{"type":"create","matches":"userstories.userstory","pk":1}}'
    )


def test_frames_over_the_limit_are_refused_before_parsing() -> None:
    ping = '{"cmd":"ping"}'
    assert protocol.parse_command(ping, max_bytes=len(ping)) == protocol.Ping()
    for frame in (ping + " ", (ping + " ").encode()):
        with pytest.raises(ProtocolError) as raised:
            protocol.parse_command(frame, max_bytes=len(ping))
        assert raised.value.code == ErrorCode.FRAME_TOO_LARGE
    # Measured in UTF-8 bytes, not characters.
    accented = '{"cmd":"ping","x":"' + "\u00e9" * 10 + '"}'
    assert len(accented) <= 31 < len(accented.encode())
    with pytest.raises(ProtocolError, match="limited to 31 bytes"):
        protocol.parse_command(accented, max_bytes=31)


def test_unprompted_errors_name_the_subscription() -> None:
    frame = protocol.error("subscription_revoked", "m", routing_key="changes.project.5.*")
    assert orjson.loads(frame) == {
        "cmd": "error",
        "id": None,
        "code": "subscription_revoked",
        "message": "m",
        "routing_key": "changes.project.5.*",
    }
