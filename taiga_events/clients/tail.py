"""``taiga-events tail PATTERN…``: print a gateway's events live, one per line.

Readable by default (time, routing key, what happened), ``--json`` for the raw frames, for
piping. Also holds the connection options ``doctor`` shares: ``--url`` and a token, given
(``--token``) or obtained from the backend (``--username``/``--password``, ``--api-url``).
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


def format_event(event: Event, at: datetime) -> str:
    """One readable line: time, routing key, what happened, and whose change it was."""
    return (
        f"{at:%H:%M:%S.%f}"[:-3]
        + f"  {event.routing_key}  {_summary(event)}"
        + (f"  (session {event.session_id})" if event.session_id else "")
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


async def run(args: argparse.Namespace) -> int:
    """Follow the patterns and print each event until interrupted (or ``--count``)."""
    try:
        token = await token_from_args(args)
    except (UsageError, ApiError, OSError) as exc:
        print(f"taiga-events tail: cannot log in: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, UsageError) else 1
    client = EventsClient(args.url, token=token)
    client.on_state(_report_state)
    events = client.events()
    try:
        await client.connect()
        for pattern in args.patterns:
            await client.subscribe(pattern)
        following = " ".join(args.patterns)
        print(
            f"taiga-events tail: following {following} on {args.url}", file=sys.stderr, flush=True
        )
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
