"""Starting a PracticePanther sync from an operation (`trigger_sync`): one at a time.

The sync runs as a `sync_run` job (the job layer's lock `sync:practicepanther` keeps two
from running at once); a trigger while a run is running, or while a manual trigger is
still queued (the queueing lock), is refused with `SyncAlreadyRunningError` (409), never
turned into a second run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from integrations.storage.tables_sync import SyncRunRow
from integrations.sync.definition import SyncAlreadyRunningError
from integrations.sync.jobs import defer_sync

if TYPE_CHECKING:
    from integrations.practicepanther.tools import SyncStarted
    from integrations.services import Services

__all__ = ["MANUAL_QUEUEING_LOCK", "trigger_sync"]

INTEGRATION = "practicepanther"
MANUAL_QUEUEING_LOCK = f"sync:{INTEGRATION}:manual"


async def _running(services: Services) -> int | None:
    async with services.db.sessions() as session:
        found: int | None = await session.scalar(
            select(SyncRunRow.id)
            .where(SyncRunRow.integration == INTEGRATION, SyncRunRow.status == "running")
            .limit(1)
        )
    return found


async def trigger_sync(services: Services, sync_type: str, *, by: str) -> SyncStarted:
    """Queue a sync of `sync_type`; its job id.

    Raises:
        SyncAlreadyRunningError: a run is running or a manual one is already queued.
    """
    from integrations.jobs.runner import runner_for
    from integrations.practicepanther.tools import SyncStarted

    running = await _running(services)
    if running is not None:
        raise SyncAlreadyRunningError(
            f"a {INTEGRATION} sync is already running (run {running})", integration=INTEGRATION
        )
    runner = runner_for(services)
    try:
        job = await defer_sync(
            runner, INTEGRATION, sync_type, trigger="manual", triggered_by=by,
            queueing_lock=MANUAL_QUEUEING_LOCK,
        )  # fmt: skip
    finally:
        await runner.close()
    if job is None:
        raise SyncAlreadyRunningError(
            f"a {INTEGRATION} sync is already queued", integration=INTEGRATION
        )
    return SyncStarted(sync_type=sync_type, status="queued", job_id=job)
