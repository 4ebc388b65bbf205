"""The gateway's measurements: plain numbers where events flow, Prometheus text on scrape.

Counting on the hot path is an integer increment; gauges (connections, subscriptions) are
computed when ``/metrics`` is read, so they cost nothing between scrapes.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

if TYPE_CHECKING:
    from .brokers.base import Broker
    from .client_state import ClientState

# Seconds from a broker message reaching the gateway to its frame handed to every socket.
LATENCY_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


class Histogram:
    """Counts of observations per bucket (upper bounds, inclusive), and their sum."""

    __slots__ = ("bounds", "counts", "sum")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1
        self.sum += value

    def cumulative(self) -> list[tuple[str, int]]:
        """Prometheus buckets: observations at most each bound, then ``+Inf``."""
        buckets, total = [], 0
        for bound, count in zip((*map(str, self.bounds), "+Inf"), self.counts, strict=True):
            total += count
            buckets.append((bound, total))
        return buckets


class Metrics:
    """What the gateway counts as it runs."""

    def __init__(self) -> None:
        self.events_received = 0
        # Events dropped because their event_id was just delivered (outbox re-publishes).
        self.duplicates_dropped = 0
        # Events sent again to clients that resumed (subscribe with "since").
        self.replayed = 0
        self.frames_sent = 0
        self.slow_client_closes = 0
        # Times events were gone from the broker before this gateway delivered them.
        self.history_losses = 0
        self.error_frames: Counter[str] = Counter()
        self.denials: Counter[str] = Counter()
        # Permission claims sent with auth: "accepted" or "refused".
        self.permission_claims: Counter[str] = Counter()
        self.latency = Histogram(LATENCY_BUCKETS)


class Collector:
    """Reads a running gateway's counters, connections and broker for ``prometheus_client``.

    It is given those parts, not the gateway: the gateway imports this module to count, and
    this module needs nothing of the gateway, so the dependency points one way.
    """

    def __init__(self, metrics: Metrics, clients: Collection[ClientState], broker: Broker) -> None:
        self.metrics = metrics
        self.clients = clients
        self.broker = broker

    def collect(self) -> Iterator[Metric]:
        broker, metrics = self.broker, self.metrics
        clients = list(self.clients)
        yield _gauge("connections", "Open WebSocket connections.", len(clients))
        yield _gauge(
            "authenticated_connections",
            "Connections that sent a valid auth.",
            sum(client.authenticated for client in clients),
        )
        yield _gauge(
            "subscriptions",
            "Subscriptions held by open connections.",
            sum(len(client.subscriptions) for client in clients),
        )
        yield _counter("events_received", "Events taken from the broker.", metrics.events_received)
        yield _counter(
            "events_duplicate",
            "Events dropped as repeats of one just delivered (same event_id).",
            metrics.duplicates_dropped,
        )
        yield _counter("frames_sent", "Event frames written to sockets.", metrics.frames_sent)
        yield _counter(
            "events_replayed",
            "Events sent again to clients that resumed where they stopped.",
            metrics.replayed,
        )
        yield _labelled(
            "events_dropped",
            "Broker messages dropped, by reason.",
            "reason",
            broker.dropped_by_reason,
        )
        yield _counter(
            "slow_client_closes",
            "Connections closed because their send buffer was full.",
            metrics.slow_client_closes,
        )
        yield _counter(
            "history_losses",
            "Times events were gone from the broker before the gateway delivered them "
            "(its clients were closed with 4001 to fetch again).",
            metrics.history_losses,
        )
        yield _gauge(
            "broker_connected", "1 while the broker link is up, else 0.", int(broker.connected)
        )
        yield _counter(
            "broker_reconnects", "Times the broker link was re-established.", broker.reconnects
        )
        yield _labelled(
            "authorization_denials",
            "Subscriptions refused, revoked or suspended, by error code.",
            "reason",
            metrics.denials,
        )
        yield _labelled(
            "permission_claims",
            "Permission claims sent with auth, accepted or refused.",
            "outcome",
            metrics.permission_claims,
        )
        yield _labelled(
            "error_frames", "Error frames sent to clients, by code.", "code", metrics.error_frames
        )
        latency = HistogramMetricFamily(
            "taiga_events_delivery_latency_seconds",
            "From a broker message reaching the gateway to its frame written to every "
            "recipient's socket.",
        )
        latency.add_metric([], metrics.latency.cumulative(), metrics.latency.sum)
        yield latency


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"taiga_events_{name}", documentation, value=value)


def _counter(name: str, documentation: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(f"taiga_events_{name}", documentation, value=value)


def _labelled(
    name: str, documentation: str, label: str, values: Counter[str]
) -> CounterMetricFamily:
    family = CounterMetricFamily(f"taiga_events_{name}", documentation, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([key], value)
    return family
