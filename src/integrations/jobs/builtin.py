"""The platform's own periodic jobs: health checks, metrics, breaker probes, cleanup.

Schedules come from `settings.jobs` (`INTEGRATIONS_JOBS__HEALTH_CHECK_CRON`, ...). The
telemetry modules are imported inside the job bodies, so the runners never depend on them.
Cleanup deletes in batches of `_BATCH` rows, one short transaction each, so it never holds
SQLite's write lock (or PostgreSQL row locks) for long while the API and workers write.
Webhook events are deleted only once processed or dead: a pending one is still work.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, select

from integrations.jobs.context import JobContext
from integrations.jobs.registry import job
from integrations.logging import get_logger
from integrations.storage.tables import CallLogRow, HealthRow, MetricRow
from integrations.storage.tables_inbound import SyncRunRow, WebhookEventRow
from integrations.storage.tables_jobs import JobRow

__all__ = ["breaker_probes", "cleanup", "health_checks", "metrics", "open_breakers"]

_log = get_logger()
_BATCH = 1000


@job("health_checks", periodic=lambda s: s.health_check_cron, max_attempts=1)
async def health_checks(ctx: JobContext) -> None:
    """Check, store and alert on every enabled integration (a missed run is not retried:
    the next one is five minutes away)."""
    reports = await ctx.health.check_all_health()
    _log.info("jobs.health_checked", statuses={r.integration: r.status for r in reports})


@job("metrics", periodic=lambda s: s.metrics_cron, max_attempts=1)
async def metrics(ctx: JobContext) -> None:
    """Persist this process's open metric windows, then evaluate the metric alert rules."""
    if ctx.windows is not None:
        await ctx.windows.flush()
    await ctx.alerts.evaluate()


@job("breaker_probes", periodic="* * * * *", max_attempts=1)
async def breaker_probes(ctx: JobContext) -> None:
    """Health-check the integrations whose breaker is open: the check is the probe that
    lets a half-open breaker close again when nobody is calling the vendor."""
    for name in await open_breakers(ctx):
        await ctx.health.check_and_record(name)


async def open_breakers(ctx: JobContext) -> list[str]:
    """Integrations whose latest breaker change (from any process) opened it."""
    latest = (
        select(HealthRow.integration, func.max(HealthRow.id).label("id"))
        .where(HealthRow.source == "circuit")
        .group_by(HealthRow.integration)
        .subquery()
    )
    statement = select(HealthRow.integration).where(
        HealthRow.id == latest.c.id, HealthRow.circuit_state == "open"
    )
    async with ctx.services.db.sessions() as session:
        return sorted(await session.scalars(statement))


@job("cleanup", periodic=lambda s: s.cleanup_cron, queueing_lock="cleanup")
async def cleanup(ctx: JobContext) -> None:
    """Delete rows older than their retention (`settings.retention`, days)."""
    keep = ctx.services.settings.retention
    now = dt.datetime.now(dt.UTC)

    def before(days: int) -> dt.datetime:
        return now - dt.timedelta(days=days)

    deleted = {
        "call_logs": await _purge(
            ctx, CallLogRow, CallLogRow.created_at < before(keep.call_logs_days)
        ),
        "metrics": await _purge(ctx, MetricRow, MetricRow.window_start < before(keep.metrics_days)),
        "webhook_events": await _purge(
            ctx,
            WebhookEventRow,
            WebhookEventRow.received_at < before(keep.webhook_events_days),
            WebhookEventRow.status.in_(("processed", "dead")),
        ),
        "sync_runs": await _purge(
            ctx, SyncRunRow, SyncRunRow.started_at < before(keep.sync_logs_days)
        ),
        "jobs": await _purge(
            ctx,
            JobRow,
            JobRow.created_at < before(keep.sync_logs_days),
            JobRow.status.in_(("succeeded", "failed")),
        ),
    }
    _log.info("jobs.cleanup_finished", deleted=deleted)


async def _purge(ctx: JobContext, table: Any, *conditions: Any) -> int:
    """Delete the rows matching `conditions`, `_BATCH` at a time; how many went."""
    total = 0
    while True:
        async with ctx.services.db.sessions.begin() as session:
            ids = list(await session.scalars(select(table.id).where(*conditions).limit(_BATCH)))
            if ids:
                await session.execute(delete(table).where(table.id.in_(ids)))
        total += len(ids)
        if len(ids) < _BATCH:
            return total
