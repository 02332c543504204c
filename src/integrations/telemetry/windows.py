"""Metric windows: every call counted into a 5-minute window, persisted per process.

`WindowRecorder` is the `MetricsSink` the process factory feeds with every call record. It
counts each (integration, operation) into fixed windows (`INTEGRATIONS_METRICS__WINDOW_SECONDS`,
aligned on the epoch so every process cuts the same windows) and keeps at most
`INTEGRATIONS_METRICS__MAX_SAMPLES` latencies per window, a uniform reservoir of its calls.
Nothing on the call path waits for the database: a background task upserts this process's
rows every `INTEGRATIONS_METRICS__FLUSH_SECONDS`, and `close()` flushes what is left.

Each process writes under its own `writer` id (host:pid:random), so processes never overwrite
each other; `aggregate_metrics()` and `recent_stats()` merge their rows. What a process had
not flushed when it was killed is lost (at most one flush interval of counts).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
import random
import secrets
import socket

from integrations.core.clock import Clock, SystemClock
from integrations.core.records import CallRecord, MetricsSink
from integrations.logging import get_logger
from integrations.ops_config import MetricsSettings
from integrations.storage.availability import log_loop_failure
from integrations.storage.db import Database
from integrations.telemetry.window_stats import (
    CSV_COLUMNS,
    WindowStats,
    calculate_percentiles,
    windows_csv,
)
from integrations.telemetry.window_store import aggregate_metrics, recent_stats, upsert_windows

__all__ = [
    "CSV_COLUMNS",
    "MetricsFanOut",
    "WindowRecorder",
    "WindowStats",
    "aggregate_metrics",
    "calculate_percentiles",
    "recent_stats",
    "window_start_of",
    "windows_csv",
    "writer_id",
]

_log = get_logger()
_Key = tuple[str, str, dt.datetime]


def writer_id() -> str:
    """This process's name in `integration_metrics.writer`: host, pid and a random suffix
    (a restarted process with a recycled pid must not overwrite its predecessor's rows)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def window_start_of(when: dt.datetime, seconds: int) -> dt.datetime:
    """The start of the `seconds`-long window holding `when` (windows align on the epoch)."""
    epoch = int(when.timestamp() // seconds) * seconds
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


class MetricsFanOut:
    """One `MetricsSink` that hands each record to several (in-memory counters and windows)."""

    __slots__ = ("_sinks",)

    def __init__(self, *sinks: MetricsSink) -> None:
        self._sinks = sinks

    def observe(self, record: CallRecord) -> None:
        for sink in self._sinks:
            sink.observe(record)


class WindowRecorder:
    """Counts calls into windows and upserts this process's rows in `integration_metrics`.

    Args:
        db: where rows go; None keeps the windows in memory only (`flush()` does nothing).
        settings: window length, flush interval and sample bound.
        writer: this process's row owner; default `writer_id()`.
        clock: drives the background flush and decides which windows are closed.
        rng: picks reservoir replacements (seeded in tests).
    """

    def __init__(
        self,
        db: Database | None,
        settings: MetricsSettings,
        *,
        writer: str | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.writer = writer or writer_id()
        self.window_seconds = settings.window_seconds
        self.dropped = 0  # records of windows already flushed and let go (very late records)
        self._db = db
        self._settings = settings
        self._clock = clock or SystemClock()
        self._rng = rng or random.Random()  # noqa: S311 - sampling, not security
        self._windows: dict[_Key, WindowStats] = {}
        self._dirty: set[_Key] = set()
        self._horizon: dt.datetime | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def observe(self, record: CallRecord) -> None:
        """Count one call (never blocks; the row is written by the next flush)."""
        start = window_start_of(record.created_at, self.window_seconds)
        if self._horizon is not None and start < self._horizon:
            # Its window was flushed and forgotten: counting it into a fresh window would
            # overwrite the stored row with this one call.
            self.dropped += 1
            return
        key = (record.integration, record.operation, start)
        stats = self._windows.get(key)
        if stats is None:
            stats = WindowStats(record.integration, record.operation, start, self.window_seconds)
            self._windows[key] = stats
        _count(stats, record, self._settings.max_samples, self._rng)
        self._dirty.add(key)
        self._schedule()

    def windows(self) -> list[WindowStats]:
        """Copies of the windows held in memory (open ones and those not yet let go)."""
        return [_copy(s) for _, s in sorted(self._windows.items(), key=lambda kv: kv[0][2])]

    def _schedule(self) -> None:
        if self._db is None or (self._task is not None and not self._task.done()):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # counted outside a loop: the next flush or close writes it
            return
        self._task = loop.create_task(self._run())

    async def _run(self) -> None:
        while self._dirty:
            await self._clock.sleep(self._settings.flush_seconds)
            try:
                await self.flush()
            except Exception as exc:
                log_loop_failure(_log, "metrics.flush_failed", exc, writer=self.writer)

    async def flush(self) -> None:
        """Upsert this process's rows of every window changed since the last flush, then let
        go of windows that closed before the previous one.

        Raises:
            Exception: the database's error; the windows stay pending for the next flush.
        """
        if self._db is None:
            return
        async with self._lock:
            keys = list(self._dirty)
            self._dirty.clear()
            batch = [_copy(self._windows[k]) for k in keys]
            try:
                await upsert_windows(self._db, batch, writer=self.writer)
            except BaseException:
                self._dirty.update(keys)
                raise
            self._forget_closed()

    def _forget_closed(self) -> None:
        now = dt.datetime.fromtimestamp(self._clock.now(), dt.UTC)
        horizon = window_start_of(now, self.window_seconds) - dt.timedelta(
            seconds=self.window_seconds
        )
        for key in [k for k in self._windows if k[2] < horizon and k not in self._dirty]:
            del self._windows[key]
        if self._horizon is None or horizon > self._horizon:
            self._horizon = horizon

    async def close(self) -> None:
        """Stop the background flush and write what is pending (errors are logged)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        try:
            await self.flush()
        except Exception:
            _log.exception("metrics.flush_failed", writer=self.writer)


def _count(stats: WindowStats, record: CallRecord, max_samples: int, rng: random.Random) -> None:
    stats.calls += 1
    if record.success:
        stats.successes += 1
    else:
        stats.failures += 1
        name = record.error_class or "unknown"
        stats.errors[name] = stats.errors.get(name, 0) + 1
    stats.retries += record.retry_count
    stats.rate_limit_waits += record.limiter_waits
    stats.rate_limited += record.status_code == 429
    stats.cache_hits += record.cache_hit
    stats.cache_misses += record.cache_lookup and not record.cache_hit
    stats.cost += record.cost
    stats.total_ms += record.duration_ms
    samples = stats.latencies_ms
    if len(samples) < max_samples:
        samples.append(record.duration_ms)
    else:  # Algorithm R: each of the window's calls is kept with probability max/calls
        slot = rng.randrange(stats.calls)
        if slot < max_samples:
            samples[slot] = record.duration_ms


def _copy(stats: WindowStats) -> WindowStats:
    return dataclasses.replace(
        stats, errors=dict(stats.errors), latencies_ms=list(stats.latencies_ms)
    )
