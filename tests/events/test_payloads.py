import orjson
import pytest

from taiga.events.payloads import MessageTooLarge, split_to_fit


def message(pks: object) -> dict:
    return {"session_id": "s", "data": {"type": "change", "matches": "tasks.task", "pk": pks}}


def test_small_messages_are_left_whole() -> None:
    assert split_to_fit(message([1, 2]), orjson.dumps, 1000) == [message([1, 2])]


def test_a_large_bulk_event_is_split_into_events_that_fit() -> None:
    pks = list(range(100_000, 103_000))
    parts = split_to_fit(message(pks), orjson.dumps, 7999)
    assert len(parts) > 1
    assert all(len(orjson.dumps(part)) <= 7999 for part in parts)
    decoded = parts
    assert [pk for d in decoded for pk in d["data"]["pk"]] == pks
    assert all(d["session_id"] == "s" and d["data"]["matches"] == "tasks.task" for d in decoded)


def test_an_unsplittable_message_is_refused_with_its_size() -> None:
    with pytest.raises(MessageTooLarge, match="exceeds the 100-byte limit"):
        split_to_fit({"data": {"title": "x" * 200}}, orjson.dumps, 100)


def test_each_part_of_a_split_event_has_an_event_id_of_its_own() -> None:
    pks = list(range(100_000, 103_000))
    parts = split_to_fit({**message(pks), "event_id": "e" * 32}, orjson.dumps, 7999)
    assert [part["event_id"] for part in parts] == [
        f"{'e' * 32}:{n}" for n in range(1, len(parts) + 1)
    ]
    assert all(len(orjson.dumps(part)) <= 7999 for part in parts)
