"""Metric windows: rates for any call sequence (24), exact percentiles also after writers
merge (25), per-writer rows that re-flush without double counting, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
import statistics
from types import MappingProxyType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.core.clock import VirtualClock
from integrations.core.records import CallRecord
from integrations.core.spec import ProviderSpec
from integrations.ops_config import MetricsSettings
from integrations.storage.db import Database
from integrations.telemetry.windows import (
    WindowRecorder,
    WindowStats,
    aggregate_metrics,
    calculate_percentiles,
    recent_stats,
    window_start_of,
    windows_csv,
)

NOW = dt.datetime(2026, 3, 1, 12, 2, 30, tzinfo=dt.UTC)
LATENCY = st.floats(min_value=0, max_value=60_000, allow_nan=False)
ERRORS = st.sampled_from([None, "ProviderServerError", "RateLimitedError", "RequestTimeoutError"])


def _record(
    error: str | None = None,
    ms: float = 10.0,
    *,
    operation: str = "get_item",
    at: dt.datetime = NOW,
    **kw: object,
) -> CallRecord:
    fields: dict[str, object] = {
        "integration": "mock",
        "operation": operation,
        "method": "GET",
        "status_code": 200 if error is None else 500,
        "success": error is None,
        "duration_ms": ms,
        "retry_count": 0,
        "cache_hit": False,
        "is_mock": True,
        "trace_id": "t",
        "error_class": error,
        "created_at": at,
    }
    return CallRecord(**(fields | kw))  # type: ignore[arg-type]


def _reference(samples: list[float], q: float) -> float:
    """numpy's default percentile, through the standard library."""
    if len(samples) == 1:
        return samples[0]
    if q == 100:
        return max(samples)
    if q == 0:
        return min(samples)
    cuts = statistics.quantiles(samples, n=1000, method="inclusive")
    return cuts[round(q * 10) - 1]


@settings(max_examples=200)
@given(
    samples=st.lists(LATENCY, min_size=1, max_size=300),
    q=st.sampled_from([0, 1, 5, 25, 50, 75, 90, 95, 99, 99.9, 100]),
)
def test_property_25_percentiles_equal_reference(samples: list[float], q: float) -> None:
    """Every percentile equals the standard library's linear-interpolation quantile."""
    assert calculate_percentiles(samples, (q,))[q] == pytest.approx(
        _reference(samples, q), rel=1e-9, abs=1e-9
    )


def test_percentiles_of_nothing_and_out_of_range() -> None:
    """No samples: None for every q; a q outside [0, 100] is refused."""
    assert calculate_percentiles([]) == {50: None, 95: None, 99: None}
    with pytest.raises(ValueError, match="101"):
        calculate_percentiles([1.0], (101,))


@settings(max_examples=100)
@given(calls=st.lists(st.tuples(ERRORS, LATENCY), min_size=1, max_size=120))
def test_property_24_rates_for_any_sequence(calls: list[tuple[str | None, float]]) -> None:
    """Counts, success/error rates and failures by class match the generated sequence."""
    recorder = WindowRecorder(None, MetricsSettings(), writer="w")
    for error, ms in calls:
        recorder.observe(_record(error, ms))
    (window,) = recorder.windows()
    failures = [e for e, _ in calls if e is not None]
    assert (window.calls, window.failures) == (len(calls), len(failures))
    assert window.success_rate == pytest.approx((len(calls) - len(failures)) / len(calls))
    assert window.error_rate == pytest.approx(len(failures) / len(calls))
    assert window.errors == {e: failures.count(e) for e in set(failures)}
    assert window.p95_ms == pytest.approx(_reference([ms for _, ms in calls], 95))


def test_window_counts_retries_waits_429_cache_and_cost() -> None:
    """Every counter of a window comes from its own field of the call record."""
    recorder = WindowRecorder(None, MetricsSettings(), writer="w")
    recorder.observe(_record(retry_count=2, limiter_waits=3, cost=0.25, cache_lookup=True))
    recorder.observe(_record("RateLimitedError", status_code=429, cost=0.25))
    recorder.observe(_record(cache_lookup=True, cache_hit=True))
    (w,) = recorder.windows()
    assert (w.retries, w.rate_limit_waits, w.rate_limited) == (2, 3, 1)
    assert (w.cache_hits, w.cache_misses, w.cost) == (1, 1, 0.5)


def test_windows_split_by_time_and_operation() -> None:
    """Calls fall into epoch-aligned windows per operation."""
    recorder = WindowRecorder(None, MetricsSettings(window_seconds=300), writer="w")
    recorder.observe(_record(at=NOW))
    recorder.observe(_record(at=NOW + dt.timedelta(minutes=5)))
    recorder.observe(_record(at=NOW, operation="list_items"))
    starts = sorted((w.window_start, w.operation) for w in recorder.windows())
    first = window_start_of(NOW, 300)
    assert first == dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    assert starts == [
        (first, "get_item"),
        (first, "list_items"),
        (first + dt.timedelta(minutes=5), "get_item"),
    ]


def test_reservoir_keeps_at_most_max_samples_uniformly() -> None:
    """Past `max_samples` the window keeps a uniform sample: early and late calls alike."""
    recorder = WindowRecorder(
        None, MetricsSettings(max_samples=100), writer="w", rng=random.Random(7)
    )
    for i in range(10_000):
        recorder.observe(_record(ms=float(i)))
    (w,) = recorder.windows()
    assert w.calls == 10_000 and len(w.latencies_ms) == 100
    assert w.avg_ms == pytest.approx(4999.5)  # exact: from the total, not the sample
    assert 3000 < statistics.mean(w.latencies_ms) < 7000


def test_merged_adds_counts_and_concatenates_samples() -> None:
    """Merging two writers' windows adds every count and keeps every sample."""
    a = WindowStats("mock", "get_item", NOW, 300, calls=2, successes=1, failures=1,
                    errors={"X": 1}, cost=1.0, latencies_ms=[1.0, 3.0])  # fmt: skip
    b = WindowStats("mock", "list_items", NOW, 300, calls=1, successes=1, errors={},
                    cost=0.5, latencies_ms=[2.0])  # fmt: skip
    m = a.merged(b)
    assert (m.operation, m.calls, m.successes, m.failures, m.cost) == ("*", 3, 2, 1, 1.5)
    assert sorted(m.latencies_ms) == [1.0, 2.0, 3.0] and m.p50_ms == 2.0


def test_csv_has_header_and_empty_cells_for_undefined() -> None:
    """The CSV starts with its header; a window without calls has empty rate cells."""
    text = windows_csv([WindowStats("mock", "*", NOW, 300)])
    header, row = text.splitlines()
    assert header.startswith("window_start,window_seconds,operation,calls")
    assert row.startswith("2026-03-01T12:02:30+00:00,300,*,0") and ",,," in row


def test_operation_costs_are_read_only_and_spec_stays_hashable() -> None:
    """A spec copies its costs into a read-only mapping and can still be hashed."""
    costs = {"send_document": 0.1}
    spec = ProviderSpec(name="x", base_url="https://x.example", operation_costs=costs)
    costs["send_document"] = 9.0
    assert spec.operation_costs == {"send_document": 0.1}
    assert isinstance(spec.operation_costs, MappingProxyType)
    assert hash(spec) == hash(ProviderSpec(name="x", base_url="https://x.example"))


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    a_calls=st.lists(st.tuples(ERRORS, LATENCY), min_size=1, max_size=40),
    b_calls=st.lists(st.tuples(ERRORS, LATENCY), min_size=1, max_size=40),
)
async def test_property_25_two_writers_merge_exactly(
    db: Database, a_calls: list[tuple[str | None, float]], b_calls: list[tuple[str | None, float]]
) -> None:
    """Two processes flush the same window (twice each); readers see every call once and
    percentiles equal the reference over both writers' samples."""
    async with db.engine.begin() as conn:
        await conn.exec_driver_sql("DELETE FROM integration_metrics")
    clock = VirtualClock(NOW.timestamp())
    a = WindowRecorder(db, MetricsSettings(), writer="host:1:a", clock=clock)
    b = WindowRecorder(db, MetricsSettings(), writer="host:2:b", clock=clock)
    half = len(a_calls) // 2
    for error, ms in a_calls[:half]:
        a.observe(_record(error, ms))
    await a.flush()  # a partial row, overwritten by the next flush
    for error, ms in a_calls[half:]:
        a.observe(_record(error, ms))
    for error, ms in b_calls:
        b.observe(_record(error, ms, operation="list_items"))
    await b.flush()
    await a.close()
    await b.close()
    start, end = NOW - dt.timedelta(hours=1), NOW + dt.timedelta(hours=1)
    (window,) = await aggregate_metrics(db, integration="mock", start=start, end=end)
    calls = a_calls + b_calls
    samples = [ms for _, ms in calls]
    assert window.calls == len(calls)
    assert window.failures == sum(e is not None for e, _ in calls)
    for q, value in calculate_percentiles(window.latencies_ms).items():
        assert value == pytest.approx(_reference(samples, q), rel=1e-9, abs=1e-9)
    per_op = await aggregate_metrics(
        db, integration="mock", start=start, end=end, by_operation=True
    )
    assert {w.operation: w.calls for w in per_op} == {"get_item": len(a_calls),
                                                     "list_items": len(b_calls)}  # fmt: skip
    recent = await recent_stats(db, "mock", now=NOW)
    assert (recent.calls, recent.window_seconds) == (len(calls), 300)


async def test_closed_windows_are_let_go_and_late_records_dropped(db: Database) -> None:
    """After a flush, windows closed before the previous one leave memory; a record for one
    of them is dropped rather than overwriting the stored row with a fresh count."""
    clock = VirtualClock(NOW.timestamp())
    recorder = WindowRecorder(db, MetricsSettings(), writer="w", clock=clock)
    old = NOW - dt.timedelta(minutes=20)
    recorder.observe(_record(at=old))
    recorder.observe(_record(at=old))
    await recorder.flush()
    assert recorder.windows() == []
    recorder.observe(_record(at=old))
    assert recorder.dropped == 1
    await recorder.close()
    stats = await recent_stats(db, "mock", seconds=3600, now=NOW)
    assert stats.calls == 2


async def test_background_flush_writes_without_being_asked(db: Database) -> None:
    """Observed calls reach the table after `flush_seconds` on the recorder's clock."""
    clock = VirtualClock(NOW.timestamp())
    recorder = WindowRecorder(db, MetricsSettings(flush_seconds=5), writer="w", clock=clock)
    recorder.observe(_record())
    await clock.sleep(6)  # the virtual clock runs the background task's sleep first
    for _ in range(50):
        if (await recent_stats(db, "mock", now=NOW)).calls:
            break
        await clock.sleep(1)
    assert (await recent_stats(db, "mock", now=NOW)).calls == 1
    await recorder.close()
