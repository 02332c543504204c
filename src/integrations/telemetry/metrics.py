"""In-process call metrics: counts and latencies per integration and operation.

The recorder is cheap enough for every call; the operations layer reads `snapshot()` to
aggregate windows (p50/p95/p99) into `integration_metrics`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from statistics import quantiles

from integrations.core.records import CallRecord

__all__ = ["MetricsRecorder", "OperationStats", "percentile"]

_RESERVOIR = 10_000


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

    def stats(self, integration: str, operation: str) -> OperationStats:
        """The counters of one operation (empty when never called)."""
        return self._stats.get((integration, operation), OperationStats())

    def snapshot(self) -> dict[str, dict[str, dict[str, object]]]:
        """Everything, as {integration: {operation: counters}}."""
        out: dict[str, dict[str, dict[str, object]]] = {}
        for (integration, operation), stats in sorted(self._stats.items()):
            out.setdefault(integration, {})[operation] = stats.as_dict()
        return out
