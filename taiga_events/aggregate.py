"""One ``/metrics`` for a service of several workers: their expositions, added up.

Each worker counts for itself (``metrics``). When the service is scraped, its supervisor
(``workers``) reads every worker's ``/metrics`` and combines them series by series:
counters and histograms are summed, and so are gauges (connections, subscriptions), except
``broker_connected``, which is the lowest (1 only while every worker's link is up). The
service thus reads as one gateway, as prometheus-client's multi-process mode would show it,
while the counting stays on plain integers where events flow.

A worker that exits takes its counts with it: its last scraped counters and histograms are
kept (``retire``), so that the service's totals do not go down when a worker is replaced;
what it counted after that scrape is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

# A sample: its name (with _total, _bucket… suffixes) and its labels, sorted.
SampleKey = tuple[str, tuple[tuple[str, str], ...]]
LOWEST = frozenset({"taiga_events_broker_connected"})
CUMULATIVE = frozenset({"counter", "histogram"})


@dataclass
class Family:
    """A metric family's samples, keyed so that the same series of two workers meet."""

    name: str
    type: str
    documentation: str
    samples: dict[SampleKey, float] = field(default_factory=dict)

    def value(self) -> float:
        """The unlabelled series' value (a counter's ``_total``), 0 if there is none."""
        sample = self.name + ("_total" if self.type == "counter" else "")
        return self.samples.get((sample, ()), 0.0)


Families = dict[str, Family]


def parse(text: str) -> Families:
    """A Prometheus text exposition, by family name."""
    families: Families = {}
    for metric in text_string_to_metric_families(text):
        family = families[metric.name] = Family(metric.name, metric.type, metric.documentation)
        for sample in metric.samples:
            family.samples[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return families


def _add(into: Families, families: Iterable[Family]) -> None:
    for family in families:
        total = into.get(family.name)
        if total is None:
            into[family.name] = Family(
                family.name, family.type, family.documentation, dict(family.samples)
            )
            continue
        combine = min if family.name in LOWEST else float.__add__
        for key, value in family.samples.items():
            known = total.samples.get(key)
            total.samples[key] = value if known is None else combine(known, value)


class Aggregate:
    """The service's metrics: live workers' expositions plus what retired workers counted."""

    def __init__(self) -> None:
        self.retired: Families = {}

    def retire(self, families: Families) -> None:
        """Keep the counters and histograms of a worker that is gone."""
        _add(self.retired, (f for f in families.values() if f.type in CUMULATIVE))

    def combine(self, workers: Iterable[Families]) -> Iterator[Metric]:
        """Every series summed over the workers (see the module's docstring)."""
        totals: Families = {}
        for families in (*workers, self.retired):
            _add(totals, families.values())
        for family in totals.values():
            metric = Metric(family.name, family.documentation, family.type)
            for (name, labels), value in family.samples.items():
                metric.add_sample(name, dict(labels), value)
            yield metric
