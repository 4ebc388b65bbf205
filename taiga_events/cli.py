"""``taiga-events serve``, ``tail`` and ``doctor``: the gateway and its tools."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from . import logs
from .clients import doctor, tail
from .config import BROKERS, ConfigError, load_config, with_dotenv


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="taiga-events")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the WebSocket gateway")
    serve.add_argument("--host", help="interface to listen on (EVENTS_HOST; default: all)")
    serve.add_argument("--port", type=int, help="WebSocket port (WEB_SOCKET_SERVER_PORT; 8888)")
    serve.add_argument("--app-port", type=int, help="/healthz and /metrics (APP_PORT; 3023)")
    serve.add_argument("--broker", choices=BROKERS, help="EVENTS_BROKER (default rabbitmq)")
    serve.add_argument("--rabbitmq-url", help="RABBITMQ_URL")
    serve.add_argument("--postgresql-url", help="POSTGRESQL_URL")
    serve.add_argument("--api-url", help="backend API for permission checks (TAIGA_API_URL)")
    serve.add_argument("--log-level", help="LOG_LEVEL (default INFO)")
    serve.add_argument(
        "--workers",
        type=int,
        help="gateway processes sharing the port (EVENTS_WORKERS; default: one per core)",
    )
    serve.add_argument(
        "--no-authorization",
        dest="authorization",
        action="store_const",
        const=False,
        help="let anyone follow anything, as the original gateway (AUTHORIZATION=off)",
    )
    tail.add_arguments(commands.add_parser("tail", help="print a gateway's events live"))
    doctor.add_arguments(commands.add_parser("doctor", help="check a running system, step by step"))
    return parser


def main(argv: list[str] | None = None) -> int:
    parsed = _parser().parse_args(argv)
    tool = {"tail": tail, "doctor": doctor}.get(parsed.command)
    if tool is not None:
        try:
            return asyncio.run(tool.run(parsed))
        except KeyboardInterrupt:
            return 130
    args = vars(parsed)
    args.pop("command")
    try:
        config = load_config(with_dotenv(os.environ), **args)
    except ConfigError as exc:
        print(f"taiga-events: {exc}", file=sys.stderr)
        return 2
    logs.configure(config.log_level, config.log_format, logs.secrets_of(config))
    from .app import serve_forever

    try:
        import uvloop

        uvloop.run(serve_forever(config))
    except OSError as exc:
        print(f"taiga-events: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
