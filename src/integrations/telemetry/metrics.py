"""In-process call metrics: counts and latencies per integration and operation.

The recorder is cheap enough for every call. `snapshot()` gives percentiles over the last
10,000 calls of each operation; `/metrics` reads `items()` for counters since the process
started and a latency histogram over `LATENCY_BUCKETS_S` (Prometheus's shape: a scraper
computes rates and quantiles over any range from the cumulative counts, which a reservoir
cannot give).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from statistics import quantiles

from integrations.core.records import CallRecord

__all__ = ["LATENCY_BUCKETS_S", "MetricsRecorder", "OperationStats", "percentile"]

_RESERVOIR = 10_000
# Upper bounds (seconds) of the latency histogram; a last, unbounded bucket is implied.
LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_BOUNDS_MS = tuple(b * 1000 for b in LATENCY_BUCKETS_S)


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation; None for no values."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    cuts = quantiles(values, n=100, method="inclusive")
    if q <= 0:
        return min(values)
    if q >= 100:
        return max(values)
    return cuts[int(q) - 1]


@dataclass(slots=True)
class OperationStats:
    """Counters of one (integration, operation)."""

    calls: int = 0
    successes: int = 0
    failures: int = 0
    cache_hits: int = 0
    retries: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    latencies_ms: deque[float] = field(default_factory=lambda: deque(maxlen=_RESERVOIR))
    # Calls per histogram bucket (not cumulative; the last is above every bound) and the sum.
    latency_buckets: list[int] = field(default_factory=lambda: [0] * (len(_BOUNDS_MS) + 1))
    latency_sum_ms: float = 0.0

    def as_dict(self) -> dict[str, object]:
        values = list(self.latencies_ms)
        return {
            "calls": self.calls,
            "successes": self.successes,
            "failures": self.failures,
            "success_rate": self.successes / self.calls if self.calls else None,
            "cache_hits": self.cache_hits,
            "retries": self.retries,
            "errors": dict(self.errors),
            "p50_ms": percentile(values, 50),
            "p95_ms": percentile(values, 95),
            "p99_ms": percentile(values, 99),
        }


class MetricsRecorder:
    """Aggregates every call record in memory."""

    def __init__(self) -> None:
        self._stats: dict[tuple[str, str], OperationStats] = {}

    def observe(self, record: CallRecord) -> None:
        """Count one call."""
        which = (record.integration, record.operation)
        stats = self._stats.get(which)
        if stats is None:  # not setdefault: that would build an OperationStats on every call
            stats = self._stats[which] = OperationStats()
        stats.calls += 1
        if record.success:
            stats.successes += 1
        else:
            stats.failures += 1
            key = record.error_class or "unknown"
            stats.errors[key] = stats.errors.get(key, 0) + 1
        stats.cache_hits += int(record.cache_hit)
        stats.retries += record.retry_count
        stats.latencies_ms.append(record.duration_ms)
        stats.latency_buckets[bisect_left(_BOUNDS_MS, record.duration_ms)] += 1
        stats.latency_sum_ms += record.duration_ms

    def stats(self, integration: str, operation: str) -> OperationStats:
        """The counters of one operation (empty when never called)."""
        return self._stats.get((integration, operation), OperationStats())

    def items(self) -> Iterator[tuple[str, str, OperationStats]]:
        """Every (integration, operation, counters) seen, sorted; the counters are live."""
        for (integration, operation), stats in sorted(self._stats.items()):
            yield integration, operation, stats

    def snapshot(self) -> dict[str, dict[str, dict[str, object]]]:
        """Everything, as {integration: {operation: counters}}."""
        out: dict[str, dict[str, dict[str, object]]] = {}
        for (integration, operation), stats in sorted(self._stats.items()):
            out.setdefault(integration, {})[operation] = stats.as_dict()
        return out
