"""Metric windows in `integration_metrics`: each process upserts its own rows, readers merge.

A row is keyed by (integration, operation, window_start, window_seconds, writer), and a
writer always writes its window's totals so far, so flushing twice overwrites the writer's
own row and never touches another's: no lost update without a lock, on SQLite and
PostgreSQL alike (`INSERT ... ON CONFLICT DO UPDATE` on both). Readers add the rows of all
writers up and recompute the percentiles over their concatenated samples.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from integrations.storage.db import Database
from integrations.storage.tables import MetricRow
from integrations.telemetry.window_stats import WindowStats, calculate_percentiles

__all__ = ["MAX_WINDOW_SECONDS", "aggregate_metrics", "recent_stats", "upsert_windows"]

# The longest window a writer may use (`MetricsSettings.window_seconds`): readers look this
# far before a range's start for windows that overlap it.
MAX_WINDOW_SECONDS = 3600
_KEY = ("integration", "operation", "window_start", "window_seconds", "writer")


def _row_values(stats: WindowStats, writer: str) -> dict[str, Any]:
    pcts = calculate_percentiles(stats.latencies_ms)
    return {
        "integration": stats.integration,
        "operation": stats.operation,
        "window_start": stats.window_start,
        "window_seconds": stats.window_seconds,
        "writer": writer,
        "call_count": stats.calls,
        "success_count": stats.successes,
        "failure_count": stats.failures,
        "retry_count": stats.retries,
        "rate_limit_waits": stats.rate_limit_waits,
        "rate_limited_count": stats.rate_limited,
        "cache_hits": stats.cache_hits,
        "cache_misses": stats.cache_misses,
        "cost": stats.cost,
        "avg_ms": stats.avg_ms,
        "p50_ms": pcts[50],
        "p95_ms": pcts[95],
        "p99_ms": pcts[99],
        "max_ms": max(stats.latencies_ms) if stats.latencies_ms else None,
        "errors": dict(stats.errors),
        "latencies_ms": list(stats.latencies_ms),
    }


def _stats_of(row: MetricRow) -> WindowStats:
    calls = row.call_count or 0
    return WindowStats(
        integration=row.integration,
        operation=row.operation,
        window_start=row.window_start,
        window_seconds=row.window_seconds,
        calls=calls,
        successes=row.success_count or 0,
        failures=row.failure_count or 0,
        retries=row.retry_count or 0,
        rate_limit_waits=row.rate_limit_waits or 0,
        rate_limited=row.rate_limited_count or 0,
        cache_hits=row.cache_hits or 0,
        cache_misses=row.cache_misses or 0,
        cost=row.cost or 0.0,
        total_ms=(row.avg_ms or 0.0) * calls,
        errors={str(k): int(v) for k, v in (row.errors or {}).items()},
        latencies_ms=[float(v) for v in (row.latencies_ms or [])],
    )


async def upsert_windows(db: Database, windows: Sequence[WindowStats], *, writer: str) -> None:
    """Write `windows` as `writer`'s rows, replacing what `writer` wrote for them before."""
    if not windows:
        return
    dialect: Any = sqlite if db.is_sqlite else postgresql
    statement = dialect.insert(MetricRow).values([_row_values(w, writer) for w in windows])
    updates = {
        c.name: statement.excluded[c.name]
        for c in MetricRow.__table__.columns
        if c.name not in _KEY and c.name != "id"
    }
    statement = statement.on_conflict_do_update(index_elements=list(_KEY), set_=updates)
    async with db.sessions.begin() as session:
        await session.execute(statement)


async def _rows(
    db: Database,
    integration: str | None,
    start: dt.datetime,
    end: dt.datetime,
    operation: str | None,
) -> list[WindowStats]:
    """Every writer's rows whose window overlaps [start, end)."""
    m = MetricRow
    try:
        earliest = start - dt.timedelta(seconds=MAX_WINDOW_SECONDS)
    except OverflowError:  # a range from the first representable instant
        earliest = start
    query = select(m).where(m.window_start >= earliest, m.window_start < end)
    if integration is not None:
        query = query.where(m.integration == integration)
    if operation is not None:
        query = query.where(m.operation == operation)
    async with db.sessions() as session:
        rows = list(await session.scalars(query.order_by(m.window_start, m.id)))
    stats = (_stats_of(r) for r in rows)
    return [s for s in stats if s.window_end > start]


_Group = tuple[str, str, dt.datetime, int]


def _merge(rows: Iterable[WindowStats], *, keep_operation: bool) -> dict[_Group, WindowStats]:
    """One window per (integration, operation or "*", start, length): writers add up."""
    merged: dict[_Group, WindowStats] = {}
    for stats in rows:
        operation = stats.operation if keep_operation else "*"
        key = (stats.integration, operation, stats.window_start, stats.window_seconds)
        current = merged.get(key) or WindowStats(stats.integration, operation, *key[2:])
        merged[key] = current.merged(stats)
    return merged


async def aggregate_metrics(
    db: Database,
    *,
    integration: str | None,
    start: dt.datetime,
    end: dt.datetime,
    operation: str | None = None,
    by_operation: bool = False,
) -> list[WindowStats]:
    """The windows overlapping [start, end), every writer merged, oldest first.

    Args:
        integration: one integration, or None for each integration's own series.
        start / end: UTC-aware bounds; a window counts when any part of it is inside.
        operation: only this operation's rows; otherwise every operation, merged into one
            window per period (`operation == "*"`) unless `by_operation`.
        by_operation: one series per operation instead of one merged series.
    """
    rows = await _rows(db, integration, start, end, operation)
    merged = _merge(rows, keep_operation=by_operation or operation is not None)
    return [merged[k] for k in sorted(merged, key=lambda k: (k[2], k[0], k[1], k[3]))]


async def recent_stats(
    db: Database, integration: str, *, seconds: float = 300, now: dt.datetime | None = None
) -> WindowStats:
    """Every operation and writer of `integration` merged over the windows overlapping
    [now - seconds, now]; a window without calls when there are none. The result's
    `window_start` and `window_seconds` are the span asked for."""
    end = now or dt.datetime.now(dt.UTC)
    start = end - dt.timedelta(seconds=seconds)
    total = WindowStats(integration, "*", start, int(seconds))
    for stats in await _rows(db, integration, start, end + dt.timedelta(microseconds=1), None):
        total = total.merged(stats)
    total.window_start, total.window_seconds = start, int(seconds)
    return total
