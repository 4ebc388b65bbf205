"""``taiga-events tail PATTERN…``: print a gateway's events live, one per line.

Readable by default (time, routing key, what happened, ``@position``), ``--json`` for the
raw frames, for piping. ``--since POSITION`` first prints what came after that position
(of the history ``--epoch`` names, else of the one the gateway serves now), as a client
that resumes gets it; a reconnection resumes too. Also holds the connection options
``doctor`` shares: ``--url`` and a token, given (``--token``) or obtained from the backend
(``--username``/``--password``, ``--api-url``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import datetime
from typing import Any

import orjson
from websockets.exceptions import WebSocketException

from .client import (
    DEFAULT_URL,
    ApiError,
    ChangeEvent,
    Event,
    EventsClient,
    EventsError,
    LiveNotification,
    State,
    StateChange,
    SystemNotification,
    WebNotification,
    login,
)
from .resume import NO_POSITION, UNSUPPORTED, Mark, Resumed

DEFAULT_API_URL = "http://localhost:9000/api/v1"


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """The options saying where the system is and who connects."""
    parser.add_argument(
        "--url",
        default=os.environ.get("TAIGA_EVENTS_URL", DEFAULT_URL),
        help=f"the gateway's WebSocket endpoint (TAIGA_EVENTS_URL; default {DEFAULT_URL})",
    )
    parser.add_argument(
        "--api-url",
        default=os.environ.get("TAIGA_API_URL", DEFAULT_API_URL),
        help=f"the backend's REST API (TAIGA_API_URL; default {DEFAULT_API_URL})",
    )
    parser.add_argument("--token", help="an access token (the backend's auth_token)")
    parser.add_argument("--username", help="log in to the backend as this user")
    parser.add_argument(
        "--password",
        default=os.environ.get("TAIGA_PASSWORD"),
        help="with --username (TAIGA_PASSWORD, to keep it out of the process list)",
    )


class UsageError(Exception):
    """The options do not go together; the message says how to fix them."""


async def token_from_args(args: argparse.Namespace) -> str | None:
    """The token given, or the one the backend issues for --username/--password.

    Raises UsageError, ApiError (login refused) or OSError (backend unreachable).
    """
    if args.token:
        return args.token
    if not args.username:
        return None
    if args.password is None:
        raise UsageError("--username needs --password")
    user = await asyncio.to_thread(login, args.api_url, args.username, args.password)
    return user["auth_token"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Set up ``tail``'s arguments on its subparser."""
    parser.add_argument(
        "patterns",
        nargs="+",
        metavar="PATTERN",
        help="routing-key patterns, e.g. 'changes.project.5.*' or 'web_notifications.42'",
    )
    add_connection_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the raw frames as JSON")
    parser.add_argument("--count", type=int, help="exit after this many events")
    parser.add_argument(
        "--since",
        type=_position,
        metavar="POSITION",
        help="first print the events after this position (the @N of a line printed before; "
        "-1: all the gateway still keeps), then go on live",
    )
    parser.add_argument(
        "--epoch",
        help="with --since: the history the position belongs to (printed when tail starts); "
        "by default the one the gateway serves now",
    )


def _position(text: str) -> int:
    try:
        position = int(text)
    except ValueError:
        position = -2
    if position < -1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a position (an integer from -1 on)")
    return position


def format_event(event: Event, at: datetime) -> str:
    """One readable line: time, routing key, what happened, whose change it was, and the
    event's position (to resume after it with ``--since``)."""
    return (
        f"{at:%H:%M:%S.%f}"[:-3]
        + f"  {event.routing_key}  {_summary(event)}"
        + (f"  (session {event.session_id})" if event.session_id else "")
        + (f"  @{event.position}" if event.position is not None else "")
    )


def _summary(event: Event) -> str:
    data = event.data
    match event:
        case ChangeEvent():
            pks = ",".join(map(str, event.pks)) or "?"
            return f"{event.type or '?'} {event.matches or '?'} pk={pks}"
        case WebNotification():
            return _web_notification(data)
        case LiveNotification():
            return f"{event.title} — {event.body}" if event.body else event.title
        case SystemNotification():
            return f"{event.title}: {event.desc}" if event.desc else event.title
    return orjson.dumps(data).decode()


def _web_notification(data: dict[str, Any]) -> str:
    parts = [str(data.get("type", "?"))]
    thing = data.get("object")
    if isinstance(thing, dict):
        ref = f"#{thing['ref']} " if thing.get("ref") is not None else ""
        parts.append(f"{ref}{thing.get('subject', '')}".strip())
    project = data.get("project")
    if isinstance(project, dict) and project.get("name"):
        parts.append(f"in {project['name']}")
    user = data.get("user")
    if isinstance(user, dict) and user.get("username"):
        parts.append(f"by {user['username']}")
    return " ".join(parts)


def _report_state(change: StateChange) -> None:
    if change.state is State.RECONNECTING:
        print(
            f"taiga-events tail: not connected ({change.error}); retrying in {change.delay:.1f} s",
            file=sys.stderr,
            flush=True,
        )
    elif change.state is State.OPEN and change.previous is State.RECONNECTING:
        print("taiga-events tail: connected again", file=sys.stderr, flush=True)


# Why a resume did not recover, in words.
_LOST = {
    "epoch": "the position belongs to another history (the broker's was made again)",
    "future": "the history has not reached that position",
    "too_old": "the history no longer reaches back that far",
    "limit": "more events were missed than a replay may send",
    "unknown": "the gateway does not know its history yet",
    NO_POSITION: "no position is known to resume from (the gateway numbers no events)",
    UNSUPPORTED: "the gateway cannot resume (it predates resuming)",
}


def _report_resume(resumed: Resumed) -> None:
    after = f"after position {resumed.since.position}" if resumed.since else "where it stopped"
    if resumed.recovered:
        message = f"resumed {resumed.routing_key} {after}"
    else:
        why = _LOST.get(resumed.reason or "", resumed.reason)
        message = f"events of {resumed.routing_key} {after} may be missing: {why}; following live"
    print(f"taiga-events tail: {message}", file=sys.stderr, flush=True)


async def _since(client: EventsClient, args: argparse.Namespace) -> Mark | None:
    """Where ``--since`` resumes from. Without ``--epoch`` the position is taken to belong
    to the history the gateway serves now, which a subscription's ack names."""
    if args.since is None:
        return None
    if args.epoch is not None:
        return Mark(args.since, args.epoch)
    pattern = args.patterns[0]
    await client.subscribe(pattern)
    current = client.positions.get(pattern)
    await client.unsubscribe(pattern)
    if current is None:
        print(
            f"taiga-events tail: cannot resume: {_LOST[NO_POSITION]}; following live",
            file=sys.stderr,
            flush=True,
        )
        return None
    return Mark(args.since, current.epoch)


async def run(args: argparse.Namespace) -> int:
    """Follow the patterns and print each event until interrupted (or ``--count``)."""
    if args.epoch is not None and args.since is None:
        print("taiga-events tail: --epoch needs --since", file=sys.stderr)
        return 2
    try:
        token = await token_from_args(args)
    except (UsageError, ApiError, OSError) as exc:
        print(f"taiga-events tail: cannot log in: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, UsageError) else 1
    client = EventsClient(args.url, token=token)
    client.on_state(_report_state)
    client.on_resume(_report_resume)
    try:
        await client.connect()
        since = await _since(client, args)
        events = client.events()
        for pattern in args.patterns:
            await client.subscribe(pattern, since=since)
        following = f"taiga-events tail: following {' '.join(args.patterns)} on {args.url}"
        epochs = {mark.epoch for mark in client.positions.values()}
        if epochs:
            following += f" (history {', '.join(sorted(epochs))})"
        print(following, file=sys.stderr, flush=True)
        printed = 0
        async for event in events:
            if args.json:
                print(orjson.dumps(event.frame).decode(), flush=True)
            else:
                print(format_event(event, datetime.now()), flush=True)
            printed += 1
            if printed == args.count:
                break
    except (EventsError, WebSocketException) as exc:
        print(f"taiga-events tail: {exc}", file=sys.stderr)
        return 1
    finally:
        await client.close()
    return 0
