"""The numbers of one metric window, and exact percentiles over its latency samples.

A window holds counts and the latency samples themselves, not a histogram: windows written
by several processes merge by adding counts and concatenating samples, and the percentiles
of the merge are computed again over every sample, so they are exact (up to each writer's
`INTEGRATIONS_METRICS__MAX_SAMPLES` reservoir, beyond which a window's samples are a uniform
sample of its calls).

Percentiles interpolate linearly between the closest ranks: the same definition as
`statistics.quantiles(method="inclusive")` and numpy's default `percentile`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["CSV_COLUMNS", "WindowStats", "calculate_percentiles", "windows_csv"]

# The series' columns, in order (the API's `?format=csv` and `integrations metrics --csv`).
CSV_COLUMNS = (
    "window_start", "window_seconds", "operation", "calls", "successes", "failures",
    "success_rate", "error_rate", "retries", "rate_limit_waits", "rate_limited", "cache_hits",
    "cache_misses", "cost", "avg_ms", "p50_ms", "p95_ms", "p99_ms", "max_ms", "errors",
)  # fmt: skip


def calculate_percentiles(
    samples: Sequence[float], qs: Sequence[float] = (50, 95, 99)
) -> dict[float, float | None]:
    """Each q-th percentile (0-100) of `samples`; None for every q when there are none.

    Args:
        samples: latencies in milliseconds, in any order.
        qs: the percentiles wanted, each within [0, 100].

    Raises:
        ValueError: a q outside [0, 100].
    """
    ordered = sorted(samples)
    out: dict[float, float | None] = {}
    for q in qs:
        if not 0 <= q <= 100:
            raise ValueError(f"percentile {q} is outside [0, 100]")
        if not ordered:
            out[q] = None
            continue
        position = (len(ordered) - 1) * q / 100
        low = math.floor(position)
        high = min(low + 1, len(ordered) - 1)
        fraction = position - low
        out[q] = ordered[low] + (ordered[high] - ordered[low]) * fraction
    return out


@dataclass(slots=True)
class WindowStats:
    """Calls of one integration (and operation, `"*"` when merged) in one time window.

    `rate_limit_waits` counts calls our own limiter held back; `rate_limited` counts calls
    the vendor answered 429. `total_ms` is the sum of every call's duration (the average stays
    exact when the samples are a reservoir). `cost` is in the unit `operation_costs` uses.
    """

    integration: str
    operation: str
    window_start: dt.datetime
    window_seconds: int
    calls: int = 0
    successes: int = 0
    failures: int = 0
    retries: int = 0
    rate_limit_waits: int = 0
    rate_limited: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    cost: float = 0.0
    total_ms: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def window_end(self) -> dt.datetime:
        return self.window_start + dt.timedelta(seconds=self.window_seconds)

    @property
    def success_rate(self) -> float | None:
        """Successes per call; None for a window without calls."""
        return self.successes / self.calls if self.calls else None

    @property
    def error_rate(self) -> float | None:
        """Failures per call; None for a window without calls."""
        return self.failures / self.calls if self.calls else None

    @property
    def avg_ms(self) -> float | None:
        return self.total_ms / self.calls if self.calls else None

    @property
    def p50_ms(self) -> float | None:
        return calculate_percentiles(self.latencies_ms, (50,))[50]

    @property
    def p95_ms(self) -> float | None:
        return calculate_percentiles(self.latencies_ms, (95,))[95]

    @property
    def p99_ms(self) -> float | None:
        return calculate_percentiles(self.latencies_ms, (99,))[99]

    def merged(self, other: WindowStats) -> WindowStats:
        """A new window holding both: counts add up, samples concatenate.

        The result spans both windows; its operation is `"*"` unless both share one, and its
        integration likewise.
        """
        start = min(self.window_start, other.window_start)
        end = max(self.window_end, other.window_end)
        errors = dict(self.errors)
        for name, count in other.errors.items():
            errors[name] = errors.get(name, 0) + count
        return WindowStats(
            integration=self.integration if self.integration == other.integration else "*",
            operation=self.operation if self.operation == other.operation else "*",
            window_start=start,
            window_seconds=int((end - start).total_seconds()),
            calls=self.calls + other.calls,
            successes=self.successes + other.successes,
            failures=self.failures + other.failures,
            retries=self.retries + other.retries,
            rate_limit_waits=self.rate_limit_waits + other.rate_limit_waits,
            rate_limited=self.rate_limited + other.rate_limited,
            cache_hits=self.cache_hits + other.cache_hits,
            cache_misses=self.cache_misses + other.cache_misses,
            cost=self.cost + other.cost,
            total_ms=self.total_ms + other.total_ms,
            errors=errors,
            latencies_ms=[*self.latencies_ms, *other.latencies_ms],
        )

    def as_dict(self) -> dict[str, object]:
        """JSON-ready numbers (times as RFC 3339), percentiles included."""
        pcts = calculate_percentiles(self.latencies_ms)
        return {
            "integration": self.integration,
            "operation": self.operation,
            "window_start": self.window_start.isoformat(),
            "window_seconds": self.window_seconds,
            "calls": self.calls,
            "successes": self.successes,
            "failures": self.failures,
            "success_rate": self.success_rate,
            "error_rate": self.error_rate,
            "retries": self.retries,
            "rate_limit_waits": self.rate_limit_waits,
            "rate_limited": self.rate_limited,
            "cache_hits": self.cache_hits,
            "cache_misses": self.cache_misses,
            "cost": self.cost,
            "avg_ms": self.avg_ms,
            "p50_ms": pcts[50],
            "p95_ms": pcts[95],
            "p99_ms": pcts[99],
            "max_ms": max(self.latencies_ms) if self.latencies_ms else None,
            "errors": dict(sorted(self.errors.items())),
        }


def windows_csv(windows: Iterable[WindowStats]) -> str:
    """The windows as CSV with a header row; `errors` is a JSON object per row, and an
    undefined number (a rate or percentile of a window without calls) is an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for window in windows:
        values = window.as_dict()
        values["errors"] = json.dumps(values["errors"], sort_keys=True)
        writer.writerow("" if values[c] is None else values[c] for c in CSV_COLUMNS)
    return buffer.getvalue()
