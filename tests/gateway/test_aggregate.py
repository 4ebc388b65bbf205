"""The service's one /metrics: the workers' expositions added up."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from taiga_events.aggregate import Aggregate, parse
from taiga_events.brokers.memory import MemoryBroker
from taiga_events.metrics import Collector, Metrics


def exposition(frames: int, connected: bool, latency: float, errors: int = 0) -> str:
    """What one worker's /metrics says."""
    metrics = Metrics()
    metrics.frames_sent = frames
    metrics.latency.observe(latency)
    metrics.error_frames["bad_json"] = errors
    broker = MemoryBroker()
    broker.connected = connected
    registry = CollectorRegistry(auto_describe=False)
    registry.register(Collector(metrics, [], broker))
    return generate_latest(registry).decode()


def samples(aggregate: Aggregate, *workers: str) -> dict[tuple[str, tuple], float]:
    registry = CollectorRegistry(auto_describe=False)

    class Combined:
        def collect(self):
            return aggregate.combine(parse(text) for text in workers)

    registry.register(Combined())
    return parse_samples(generate_latest(registry).decode())


def parse_samples(text: str) -> dict[tuple[str, tuple], float]:
    return {key: value for family in parse(text).values() for key, value in family.samples.items()}


def test_counters_and_histograms_are_summed_the_broker_link_is_up_only_if_up_everywhere() -> None:
    first = exposition(frames=3, connected=True, latency=0.0002, errors=1)
    second = exposition(frames=4, connected=False, latency=0.02)
    combined = samples(Aggregate(), first, second)
    assert combined["taiga_events_frames_sent_total", ()] == 7
    assert combined["taiga_events_error_frames_total", (("code", "bad_json"),)] == 1
    assert combined["taiga_events_delivery_latency_seconds_count", ()] == 2
    assert combined["taiga_events_delivery_latency_seconds_bucket", (("le", "0.00025"),)] == 1
    assert combined["taiga_events_delivery_latency_seconds_bucket", (("le", "0.025"),)] == 2
    assert combined["taiga_events_broker_connected", ()] == 0
    assert samples(Aggregate(), first, first)["taiga_events_broker_connected", ()] == 1


def test_a_retired_workers_counts_stay_in_the_totals_its_gauges_do_not() -> None:
    aggregate = Aggregate()
    gone = parse(exposition(frames=5, connected=True, latency=0.001))
    gone["taiga_events_connections"].samples["taiga_events_connections", ()] = 9
    aggregate.retire(gone)
    combined = samples(aggregate, exposition(frames=2, connected=True, latency=0.001))
    assert combined["taiga_events_frames_sent_total", ()] == 7
    assert combined["taiga_events_delivery_latency_seconds_count", ()] == 2
    assert combined["taiga_events_connections", ()] == 0
