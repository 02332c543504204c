"""Sync jobs on the job layer: `sync_run` (one run) and `sync_schedules` (every minute).

`sync_run` takes the job lock `sync:<integration>`, so the queue never runs two syncs of
one integration at once (the engine's database lock also refuses a run started elsewhere,
such as the CLI). A worker killed mid-run leaves the job to be retried on another worker
once its lease ends; the retry resumes from the last committed batch. `sync_schedules`
defers each due sync with a queueing lock per (integration, type, slot), after claiming the
slot in the database, so with any number of workers each scheduled sync runs once.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from integrations.errors import IntegrationDisabledError
from integrations.jobs.context import JobContext
from integrations.jobs.registry import job
from integrations.logging import get_logger
from integrations.sync.catalog import definition_for, synced_integrations
from integrations.sync.definition import SyncAlreadyRunningError
from integrations.sync.engine import SyncEngine
from integrations.sync.schedules import claim_slot, due_syncs, read_schedule

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from integrations.jobs.runner import JobRunner

__all__ = ["RUN_LOCK", "defer_sync", "sync_run", "sync_schedules", "tick_schedules"]

_log = get_logger()
RUN_LOCK = "sync:{integration}"  # the job lock of `sync_run`: one at a time per integration


@job("sync_run", lock=RUN_LOCK, max_attempts=3)
async def sync_run(
    ctx: JobContext,
    integration: str,
    sync_type: str,
    trigger: str = "manual",
    triggered_by: str | None = None,
) -> None:
    """Run one sync; its outcome is in `sync_runs` (an `error` run is not retried here: the
    schedule runs it again; a crash of the worker is)."""
    engine = SyncEngine(ctx.services, ctx.factory, definition_for(integration))
    try:
        summary = await engine.run(
            sync_type,
            trigger="schedule" if trigger == "schedule" else "manual",
            triggered_by=triggered_by,
        )
    except SyncAlreadyRunningError:
        _log.info("sync.skipped_already_running", integration=integration, sync_type=sync_type)
        return
    _log.info(
        "sync.job_finished", integration=integration, run_id=summary.run_id, status=summary.status
    )


async def defer_sync(
    runner: JobRunner,
    integration: str,
    sync_type: str,
    *,
    trigger: str,
    triggered_by: str | None,
    queueing_lock: str | None = None,
    session: AsyncSession | None = None,
) -> str | None:
    """Queue a `sync_run` (in `session`'s transaction, if given); its job id, or None when
    `queueing_lock` is already queued."""
    args: dict[str, Any] = {
        "integration": integration,
        "sync_type": sync_type,
        "trigger": trigger,
        "triggered_by": triggered_by,
    }
    return await runner.defer("sync_run", args=args, queueing_lock=queueing_lock, session=session)


async def tick_schedules(ctx: JobContext, runner: JobRunner, at: dt.datetime) -> list[str]:
    """Defer the syncs due at `at` for every enabled integration with a sync; the
    queueing locks deferred (what the tests and logs look at)."""
    deferred: list[str] = []
    for name in synced_integrations():
        config = await ctx.services.get_config(name)
        if not config.settings.enabled:
            continue
        schedule = await read_schedule(ctx.services.db, name)
        for sync_type, slot in due_syncs(schedule, at):
            if not await claim_slot(ctx.services.db, name, sync_type, slot):
                continue
            lock = f"sync:{name}:{sync_type}:{slot}"
            queued = await defer_sync(
                runner,
                name,
                sync_type,
                trigger="schedule",
                triggered_by="schedule",
                queueing_lock=lock,
            )
            if queued:
                deferred.append(lock)
    return deferred


@job("sync_schedules", periodic="* * * * *", max_attempts=1)
async def sync_schedules(ctx: JobContext) -> None:
    """Every minute: defer the scheduled syncs that are due."""
    from integrations.jobs.runner import runner_for

    at = ctx.scheduled_at or dt.datetime.now(dt.UTC)
    runner = runner_for(ctx.services, ctx.factory)
    try:
        deferred = await tick_schedules(ctx, runner, at)
    except IntegrationDisabledError:
        deferred = []
    finally:
        await runner.close()
    if deferred:
        _log.info("sync.scheduled", deferred=deferred)
