"""Assembles a gateway from its config and runs it until asked to stop."""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass

from websockets.asyncio.server import Server

from .brokers.base import Broker
from .config import Config
from .gateway import Gateway
from .project_access import AllowAll, BackendProjectAccess
from .server import start_server
from .tokens import TokenVerifier

logger = logging.getLogger("taiga_events")


def make_broker(config: Config) -> Broker:
    if config.broker == "rabbitmq":
        from .brokers.rabbitmq import RabbitMQBroker

        return RabbitMQBroker(config.rabbitmq_url)
    if config.broker == "postgresql":
        from .brokers.postgresql import PostgresBroker

        return PostgresBroker(config.postgresql_url)
    from .brokers.memory import MemoryBroker

    return MemoryBroker()


def make_gateway(config: Config) -> Gateway:
    if config.authorization:
        access = BackendProjectAccess(config.api_url, cache_seconds=config.permission_cache_seconds)
    else:
        logger.warning(
            "AUTHORIZATION=off: any client may follow any project and any user's notifications"
        )
        access = AllowAll()
    verifier = TokenVerifier(config.secret, user_id_claim=config.user_id_claim)
    return Gateway(verifier=verifier, project_access=access)


@dataclass
class RunningGateway:
    gateway: Gateway
    broker: Broker
    server: Server

    @property
    def port(self) -> int:
        return self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close client connections with "going away" (1001), then the broker."""
        self.server.close()
        await self.server.wait_closed()
        await self.broker.close()


async def start(config: Config, broker: Broker | None = None) -> RunningGateway:
    """Connect to the broker first, then accept clients: nothing subscribed can be missed."""
    gateway = make_gateway(config)
    broker = broker or make_broker(config)
    await broker.start(gateway.dispatch)
    server = await start_server(gateway, config.host, config.port)
    running = RunningGateway(gateway, broker, server)
    logger.info(
        "taiga-events listening on ws://%s:%s/events (broker: %s)",
        config.host or "0.0.0.0",
        running.port,
        broker.name,
    )
    return running


async def serve_forever(config: Config) -> None:
    """Run until SIGINT or SIGTERM, then drain."""
    running = await start(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    logger.info("shutting down")
    await running.stop()
