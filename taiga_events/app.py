"""Assembles a gateway from its config, runs it, and drains it on the way out."""

from __future__ import annotations

import asyncio
import logging
import resource
import signal
from dataclasses import dataclass

from websockets.asyncio.server import Server

from .backend_api import BackendPermissions
from .brokers.base import Broker
from .config import Config
from .gateway import Gateway
from .health import HealthServer, exposition_of
from .heap import HeapFreezer
from .logs import Redactor, secrets_of
from .metrics import Collector
from .permissions import PermissionCache
from .protocol import CloseCode
from .server import start_server
from .tokens import TokenVerifier

logger = logging.getLogger("taiga_events")


def make_broker(config: Config) -> Broker:
    if config.broker == "rabbitmq":
        from .brokers.rabbitmq import RabbitMQBroker
        from .brokers.stream import StreamSettings

        stream = None
        if config.stream:
            stream = StreamSettings(
                config.stream_name, config.stream_max_age, config.stream_max_bytes
            )
        return RabbitMQBroker(config.rabbitmq_url, stream=stream)
    if config.broker == "postgresql":
        from .brokers.postgresql import PostgresBroker

        return PostgresBroker(config.postgresql_url)
    from .brokers.memory import MemoryBroker

    return MemoryBroker()


def make_gateway(config: Config) -> Gateway:
    if not config.authorization:
        logger.warning(
            "AUTHORIZATION=off: any client may follow any project and any user's notifications"
        )
    verifier = TokenVerifier(
        config.secret,
        user_id_claim=config.user_id_claim,
        algorithms=config.jwt_algorithms,
        leeway_seconds=config.jwt_leeway_seconds,
        audience=config.jwt_audience,
        issuer=config.jwt_issuer,
    )
    source = BackendPermissions(config.api_url, timeout=config.backend_timeout_seconds)
    return Gateway(
        verifier=verifier,
        permissions=PermissionCache(source, config.permission_cache_seconds),
        limits=config.limits,
        enforced=config.authorization,
    )


@dataclass
class RunningGateway:
    """A started gateway: its core, broker link and servers; ``stop()`` drains it."""

    gateway: Gateway
    broker: Broker
    server: Server
    health: HealthServer | None = None
    # The port of /healthz and /metrics, if they are served.
    app_port: int | None = None
    heap: HeapFreezer | None = None
    stopping: bool = False

    @property
    def port(self) -> int:
        return self.server.sockets[0].getsockname()[1]

    def status(self) -> str | None:
        """Why the gateway is not healthy, or None if it is."""
        if self.stopping:
            return "shutting down"
        if not self.broker.connected:
            return f"{self.broker.name} link is down: {self.broker.last_error or 'connecting'}"
        return None

    async def stop(self) -> None:
        """Drain: stop accepting, close every client with 1001 and a reason, then stop.

        The server's close timeout is the grace period: a client that has not completed
        the closing handshake by then is cut off, so this returns within about that time.
        """
        self.stopping = True
        self.server.close(code=CloseCode.GOING_AWAY, reason="server shutting down")
        await self.server.wait_closed()
        await self.gateway.close()
        await self.broker.close()
        if self.health is not None:
            await self.health.close()
        if self.heap is not None:
            self.heap.close()


async def start(
    config: Config,
    broker: Broker | None = None,
    *,
    freeze_heap: bool = False,
    reuse_port: bool = False,
) -> RunningGateway:
    """Start consuming the broker first, then accept clients: nothing subscribed can be
    missed. A broker that cannot be reached does not stop the start: clients are served,
    ``/healthz`` says why it is unhealthy, and the link is retried with backoff.

    ``freeze_heap``: keep the process's full garbage collections away from delivery
    (``heap``); for a process that is only a gateway, as it freezes every object alive.
    ``reuse_port``: share the port with the other workers of one service (``workers``).
    """
    gateway = make_gateway(config)
    broker = broker or make_broker(config)
    heap = HeapFreezer() if freeze_heap else None
    gateway.broker = broker
    await broker.start(gateway.dispatch, gateway.history_started, gateway.history_lost)
    try:
        server = await start_server(
            gateway,
            config.host,
            config.port,
            allowed_origins=config.allowed_origins,
            close_timeout=config.shutdown_grace_seconds,
            heap=heap,
            reuse_port=reuse_port,
        )
    except BaseException:
        await broker.close()
        raise
    running = RunningGateway(gateway, broker, server, heap=heap)
    if config.app_port is not None:
        running.health = health_server(running, config)
        try:
            running.app_port = await running.health.start(config.host, config.app_port)
        except BaseException:
            running.health = None
            await running.stop()
            raise
    if heap is not None:
        heap.freeze()
    logger.info(
        "taiga-events listening on ws://%s:%s/events (broker: %s)",
        config.host or "0.0.0.0",
        running.port,
        broker.name,
        extra={"app_port": running.app_port, "authorization": config.authorization},
    )
    return running


def health_server(running: RunningGateway, config: Config) -> HealthServer:
    """The probes and metrics of one running gateway (not started)."""

    async def status() -> str | None:
        return running.status()

    gateway = running.gateway
    collector = Collector(gateway.metrics, gateway.clients.values(), running.broker)
    return HealthServer(status, exposition_of(collector), Redactor(secrets_of(config)))


def raise_file_limit() -> int:
    """Raise this process's open-file limit to the hard limit: one descriptor per client."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError) as exc:
            logger.warning("the open-file limit stays at %d: %s", soft, exc)
    return soft


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


async def serve_forever(config: Config) -> None:
    """Run until SIGINT or SIGTERM, then drain; several workers if the config says so."""
    if config.workers > 1:
        from .workers import Supervisor

        await Supervisor(config).run()
        return
    files = raise_file_limit()
    running = await start(config, freeze_heap=True)
    logger.info("open-file limit: %d (about as many clients)", files)
    await stop_on_signals().wait()
    logger.info("shutting down", extra={"clients": len(running.gateway.clients)})
    await running.stop()
