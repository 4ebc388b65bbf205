"""``taiga-events serve --workers N``: N gateway processes on one port, run as one service.

Each worker is a whole gateway (``app``) in a process of its own, so that the service uses
N cores: its own broker consumer (RabbitMQ: its own queue; PostgreSQL: its own ``LISTEN``)
and its own clients. The workers listen on the same port with ``SO_REUSEPORT``: the kernel
spreads new connections over them by a hash of each connection's addresses, and a client
costs no worker but its own anything.

The supervisor (this module's ``Supervisor``, the process that was started) runs no gateway.
It starts the workers; serves the service's one ``/healthz`` and ``/metrics`` on
``APP_PORT``, asking each worker on a Unix socket of its own (``aggregate`` adds the answers
up); starts again a worker that exits (its clients reconnect, to the others or to it);
and on SIGTERM or SIGINT has every worker drain (close 1001) and exits once they all have.
A worker that loses its supervisor drains and exits too.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import multiprocessing
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_for_exits
from multiprocessing.process import BaseProcess

import orjson
import uvloop
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from . import logs
from .aggregate import Aggregate, Families, parse
from .app import health_server, raise_file_limit, start, stop_on_signals
from .brokers.base import Backoff
from .config import Config
from .health import HealthServer, fetch_unix

logger = logging.getLogger("taiga_events")

# Fresh interpreters: forking a process that runs an event loop and threads is unsafe.
SPAWN = multiprocessing.get_context("spawn")
# How long a worker may take to start, and to answer the supervisor's questions.
START_TIMEOUT_SECONDS = 60.0
ASK_TIMEOUT_SECONDS = 2.0
# A worker that dies sooner than this after starting is started again with backoff
# (0.5 s doubling up to 30 s), not at once: a worker that cannot run must not spin.
STEADY_SECONDS = 30.0
# Added to SHUTDOWN_GRACE_SECONDS before a worker that has not finished draining is killed.
DRAIN_MARGIN_SECONDS = 5.0


class WorkerFailed(OSError):
    """A worker could not start (e.g. the port is taken); the message says why."""


@dataclass
class Worker:
    """One worker slot: the process that fills it now, and what it last reported."""

    index: int
    socket_path: str
    process: BaseProcess | None = None
    # The supervisor's end of a socket pair: the worker reports on it, and sees the
    # supervisor gone when it closes.
    link: Connection | None = None
    ready: bool = False
    started_at: float = 0.0
    backoff: Backoff = field(default_factory=lambda: Backoff(0.5, 30.0))
    # The worker's metrics at the last scrape (kept by ``Aggregate`` when it exits).
    last: Families = field(default_factory=dict)


class Supervisor:
    """Runs ``config.workers`` workers on ``config.port`` as one service (module docstring)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._rundir = tempfile.mkdtemp(prefix="taiga-events-")
        self.workers = [
            Worker(index, os.path.join(self._rundir, f"worker-{index}.sock"))
            for index in range(config.workers)
        ]
        self.aggregate = Aggregate()
        self.restarts = 0
        self.stopping = False
        self._restarting: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """Serve until SIGINT or SIGTERM, then drain every worker.

        Raises WorkerFailed if a worker cannot start the first time: that is a setting or
        the machine (the port is taken), which starting again would not mend.
        """
        config = self.config
        stop = stop_on_signals()
        health = HealthServer(self.status, self.exposition, logs.Redactor(logs.secrets_of(config)))
        try:
            if config.app_port is not None:
                await health.start(config.host, config.app_port)
            started = await asyncio.gather(
                *(self._start(worker) for worker in self.workers), return_exceptions=True
            )
            for failure in started:
                if isinstance(failure, BaseException):
                    raise failure
            logger.info(
                "taiga-events serving ws://%s:%s/events with %d workers (broker: %s)",
                config.host or "0.0.0.0",
                config.port,
                len(self.workers),
                config.broker,
                extra={"app_port": config.app_port},
            )
            await stop.wait()
            logger.info("shutting down", extra={"workers": len(self.workers)})
        finally:
            await self._drain()
            await health.close()
            shutil.rmtree(self._rundir, ignore_errors=True)

    # Workers ------------------------------------------------------------------------------

    async def _start(self, worker: Worker) -> None:
        """Start a process in the worker's slot; return once it serves clients."""
        link, child_end = SPAWN.Pipe()
        process = SPAWN.Process(
            target=worker_main,
            args=(self.config, worker.index, worker.socket_path, child_end),
            name=f"taiga-events worker {worker.index}",
        )
        process.start()
        child_end.close()
        worker.process, worker.link, worker.started_at = process, link, time.monotonic()
        loop = asyncio.get_running_loop()
        try:
            report = await asyncio.wait_for(
                loop.run_in_executor(None, link.recv), START_TIMEOUT_SECONDS
            )
        except (EOFError, OSError, TimeoutError):
            report = ("failed", f"worker {worker.index} did not start")
        if report[0] != "ready":
            process.kill()
            process.join()
            link.close()
            worker.process = worker.link = None
            raise WorkerFailed(report[1])
        worker.ready = True
        loop.add_reader(process.sentinel, self._exited, worker)
        logger.info(
            "worker %d started", worker.index, extra={"worker": worker.index, "pid": process.pid}
        )

    def _exited(self, worker: Worker) -> None:
        """A worker's process ended: forget it and, unless stopping, start another."""
        process, link = worker.process, worker.link
        if process is None or link is None:
            return
        asyncio.get_running_loop().remove_reader(process.sentinel)
        process.join()
        link.close()
        worker.process = worker.link = None
        worker.ready = False
        self.aggregate.retire(worker.last)
        worker.last = {}
        if self.stopping:
            return
        self.restarts += 1
        lived = time.monotonic() - worker.started_at
        if lived >= STEADY_SECONDS:
            worker.backoff.reset()
        delay = 0.0 if lived >= STEADY_SECONDS else worker.backoff.next()
        logger.warning(
            "worker %d exited with status %s after %.1f s; starting it again in %.1f s",
            worker.index,
            process.exitcode,
            lived,
            delay,
        )
        task = asyncio.get_running_loop().create_task(self._restart(worker, delay))
        self._restarting.add(task)
        task.add_done_callback(self._restarting.discard)

    async def _restart(self, worker: Worker, delay: float) -> None:
        while True:
            await asyncio.sleep(delay)
            try:
                await self._start(worker)
                return
            except WorkerFailed as exc:
                delay = worker.backoff.next()
                logger.error("worker %d: %s; trying again in %.1f s", worker.index, exc, delay)

    async def _drain(self) -> None:
        """SIGTERM to every worker (each closes its clients with 1001), then wait for them;
        kill those still running after the grace period and a margin."""
        self.stopping = True
        for task in list(self._restarting):
            task.cancel()
        processes = [w.process for w in self.workers if w.process is not None]
        for process in processes:
            process.terminate()
        deadline = time.monotonic() + self.config.shutdown_grace_seconds + DRAIN_MARGIN_SECONDS
        running = [p.sentinel for p in processes]
        while running and (left := deadline - time.monotonic()) > 0:
            ended = await asyncio.to_thread(wait_for_exits, running, left)
            running = [sentinel for sentinel in running if sentinel not in ended]
        for process in processes:
            if process.is_alive():
                logger.warning("worker %s did not drain in time: killed", process.name)
                process.kill()
        for worker in self.workers:
            self._exited(worker)

    # Health and metrics -------------------------------------------------------------------

    async def _ask(self, worker: Worker, target: str) -> tuple[int, bytes] | None:
        if not worker.ready:
            return None
        try:
            return await fetch_unix(worker.socket_path, target, ASK_TIMEOUT_SECONDS)
        except (OSError, TimeoutError):
            return None

    async def status(self) -> str | None:
        """None while every worker runs and is healthy; else what is wrong, worker by worker."""
        if self.stopping:
            return "shutting down"
        answers = await asyncio.gather(*(self._ask(w, "/healthz") for w in self.workers))
        reasons = []
        for worker, answer in zip(self.workers, answers, strict=True):
            if answer is None:
                state = "not answering" if worker.ready else "not running"
                reasons.append(f"worker {worker.index} is {state}")
            elif answer[0] != 200:
                reasons.append(f"worker {worker.index}: {orjson.loads(answer[1])['reason']}")
        return "; ".join(reasons) or None

    async def exposition(self) -> bytes:
        """The workers' metrics added up, and the service's own (workers, restarts)."""
        answers = await asyncio.gather(*(self._ask(w, "/metrics") for w in self.workers))
        live = []
        for worker, answer in zip(self.workers, answers, strict=True):
            if answer is not None and answer[0] == 200:
                worker.last = parse(answer[1].decode())
                live.append(worker)
        metrics = [*self.aggregate.combine(w.last for w in live), *self._own_metrics(live)]
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Fixed(metrics))
        return generate_latest(registry)

    def _own_metrics(self, live: list[Worker]) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "taiga_events_workers", "Worker processes running and answering.", value=len(live)
        )
        yield CounterMetricFamily(
            "taiga_events_worker_restarts",
            "Worker processes started again after they exited.",
            value=self.restarts,
        )
        per_worker = (
            ("connections", GaugeMetricFamily, "Open WebSocket connections, per worker."),
            ("frames_sent", CounterMetricFamily, "Event frames written to sockets, per worker."),
        )
        for name, kind, documentation in per_worker:
            family = kind(f"taiga_events_worker_{name}", documentation, labels=["worker"])
            for worker in live:
                source = worker.last.get(f"taiga_events_{name}")
                family.add_metric([str(worker.index)], source.value() if source else 0.0)
            yield family


class _Fixed:
    """A collector of metrics already made."""

    def __init__(self, metrics: list[Metric]) -> None:
        self.metrics = metrics

    def collect(self) -> list[Metric]:
        return self.metrics


# The worker process -------------------------------------------------------------------


def worker_main(config: Config, index: int, socket_path: str, link: Connection) -> None:
    """A worker process: one gateway on the shared port, its probes on ``socket_path``."""
    logs.configure(
        config.log_level, config.log_format, logs.secrets_of(config), fields={"worker": index}
    )
    uvloop.run(_serve_worker(config, socket_path, link))


async def _serve_worker(config: Config, socket_path: str, link: Connection) -> None:
    raise_file_limit()
    try:
        running = await start(
            dataclasses.replace(config, app_port=None), freeze_heap=True, reuse_port=True
        )
    except OSError as exc:
        link.send(("failed", str(exc)))
        return
    stop = stop_on_signals()
    loop = asyncio.get_running_loop()

    def supervisor_gone() -> None:
        loop.remove_reader(link.fileno())
        stop.set()

    # The supervisor never writes: the link becomes readable when it is gone.
    loop.add_reader(link.fileno(), supervisor_gone)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(socket_path)
    running.health = health_server(running, config)
    await running.health.start_unix(socket_path)
    link.send(("ready", os.getpid()))
    await stop.wait()
    logger.info("shutting down", extra={"clients": len(running.gateway.clients)})
    await running.stop()
