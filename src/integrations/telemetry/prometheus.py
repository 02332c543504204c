"""`/metrics` in the Prometheus text format, built at scrape time.

Nothing is registered in `prometheus_client`'s global registry: each scrape gathers a
`ScrapeSnapshot` (the async reads: breakers, limiter budgets, inbox and job counts), then
renders it through a `CollectorRegistry` of its own, so two apps in one process (tests, or
an embedded server) never share or double-count series. Counters are this process's since
it started (`MetricsRecorder`); run one scrape target per process and let Prometheus sum.
The series are listed in the README ("Prometheus metrics").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from integrations.jobs import queue_depth
from integrations.logging import get_logger
from integrations.reconciliation.ledger import ReconciliationLedger, read_ledgers
from integrations.storage.tables_inbound import WebhookEventRow
from integrations.telemetry.metrics import LATENCY_BUCKETS_S, MetricsRecorder

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from integrations.factory import IntegrationFactory
    from integrations.services import Services

__all__ = ["BREAKER_CODES", "INBOX_STATUSES", "ScrapeSnapshot", "gather", "render"]

BREAKER_CODES = {"closed": 0, "half_open": 1, "open": 2}
INBOX_STATUSES = ("pending", "processing", "processed", "dead")
_log = get_logger()


@dataclass(slots=True)
class ScrapeSnapshot:
    """What one scrape reports, read before rendering (collectors cannot await)."""

    metrics: MetricsRecorder | None = None
    breakers: dict[str, str] = field(default_factory=dict)
    headroom: dict[str, float] = field(default_factory=dict)
    inbox: dict[str, int] = field(default_factory=dict)
    jobs: dict[str, int] | None = None
    reconciliation: list[ReconciliationLedger] = field(default_factory=list)


async def gather(services: Services, factory: IntegrationFactory) -> ScrapeSnapshot:
    """Read every gauge now: breaker and budget of each client this process built, the
    webhook inbox by status, and the job queue by status (None when it cannot be read)."""
    snap = ScrapeSnapshot(metrics=factory.metrics)
    for name, client in sorted(factory.clients().items()):
        snap.breakers[name] = (await client.breaker.snapshot()).state
        headroom = await client.limiter.headroom()
        if headroom is not None:
            snap.headroom[name] = headroom
    w = WebhookEventRow
    async with services.db.sessions() as session:
        counted = await session.execute(select(w.status, func.count()).group_by(w.status))
        snap.inbox = {str(status): int(n) for status, n in counted.all()}
    snap.reconciliation = await read_ledgers(services)
    try:
        snap.jobs = await queue_depth(services)
    except Exception:  # no jobs table yet (schema behind): the other series still help
        _log.warning("metrics.job_queue_unreadable", exc_info=True)
    return snap


class _SnapshotCollector(Collector):
    """Turns one snapshot into metric families."""

    def __init__(self, snap: ScrapeSnapshot) -> None:
        self.snap = snap

    def collect(self) -> Iterator[Metric]:
        yield from self._calls()
        yield from self._gauges()

    def _calls(self) -> Iterator[Metric]:
        labels = ["integration", "operation"]
        calls = CounterMetricFamily(
            "integrations_calls", "Logical calls by outcome", labels=[*labels, "outcome"]
        )
        errors = CounterMetricFamily(
            "integrations_call_errors", "Failed calls by error class", labels=[*labels, "error"]
        )
        retries = CounterMetricFamily("integrations_retries", "Retried attempts", labels=labels)
        hits = CounterMetricFamily(
            "integrations_cache_hits", "Calls answered from the cache", labels=labels
        )
        latency = HistogramMetricFamily(
            "integrations_call_duration_seconds", "Logical call latency", labels=labels
        )
        ratio = GaugeMetricFamily(
            "integrations_cache_hit_ratio",
            "Share of calls answered from the cache",
            labels=["integration"],
        )
        per_integration: dict[str, tuple[int, int]] = {}
        for name, op, stats in self.snap.metrics.items() if self.snap.metrics else ():
            calls.add_metric([name, op, "success"], stats.successes)
            calls.add_metric([name, op, "failure"], stats.failures)
            for error, n in sorted(stats.errors.items()):
                errors.add_metric([name, op, error], n)
            retries.add_metric([name, op], stats.retries)
            hits.add_metric([name, op], stats.cache_hits)
            latency.add_metric(
                [name, op], _buckets(stats.latency_buckets), stats.latency_sum_ms / 1000
            )
            seen, hit = per_integration.get(name, (0, 0))
            per_integration[name] = (seen + stats.calls, hit + stats.cache_hits)
        for name, (seen, hit) in per_integration.items():
            ratio.add_metric([name], hit / seen if seen else 0.0)
        yield from (calls, errors, retries, hits, latency, ratio)

    def _gauges(self) -> Iterator[Metric]:
        breaker = GaugeMetricFamily(
            "integrations_circuit_state",
            "Breaker: 0 closed, 1 half-open, 2 open",
            labels=["integration"],
        )
        for name, state in self.snap.breakers.items():
            breaker.add_metric([name], BREAKER_CODES.get(state, 2))
        headroom = GaugeMetricFamily(
            "integrations_rate_limit_headroom",
            "Free share (0-1) of the tightest rate-limit window",
            labels=["integration"],
        )
        for name, share in self.snap.headroom.items():
            headroom.add_metric([name], share)
        inbox = GaugeMetricFamily(
            "integrations_webhook_inbox_events",
            "Stored webhook events by status",
            labels=["status"],
        )
        for status in sorted({*INBOX_STATUSES, *self.snap.inbox}):
            inbox.add_metric([status], self.snap.inbox.get(status, 0))
        yield from (breaker, headroom, inbox, *self._reconciliation())
        if self.snap.jobs is not None:
            jobs = GaugeMetricFamily(
                "integrations_job_queue_jobs", "Background jobs by status", labels=["status"]
            )
            for status, n in sorted(self.snap.jobs.items()):
                jobs.add_metric([status], n)
            yield jobs

    def _reconciliation(self) -> Iterator[Metric]:
        """The reconciliation ledgers' durable totals (they survive restarts, so they are
        gauges read from the database, used like counters: `increase()` works on them)."""
        labels = ["integration", "entity"]
        gaps = GaugeMetricFamily(
            "integrations_reconciliation_gaps_total",
            "Changes found by reconciliation whose webhook never arrived",
            labels=labels,
        )
        checked = GaugeMetricFamily(
            "integrations_reconciliation_checked_total",
            "Records compared with the vendor by reconciliation",
            labels=labels,
        )
        for ledger in self.snap.reconciliation:
            gaps.add_metric([ledger.integration, ledger.entity], ledger.gaps_total)
            checked.add_metric([ledger.integration, ledger.entity], ledger.checked_total)
        yield from (gaps, checked)


def _buckets(counts: list[int]) -> list[tuple[str, float]]:
    """Per-bucket counts as Prometheus's cumulative `le` buckets, `+Inf` last."""
    out, total = [], 0
    for bound, n in zip([*map(str, LATENCY_BUCKETS_S), "+Inf"], counts, strict=True):
        total += n
        out.append((bound, float(total)))
    return out


def render(snap: ScrapeSnapshot) -> bytes:
    """The exposition text of `snap`, through a registry of its own."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_SnapshotCollector(snap))
    return generate_latest(registry)
