"""Starting a PracticePanther sync from an operation (`trigger_sync`): one at a time.

The operation goes through the same path as `POST /api/sync/trigger`
(`integrations.sync.trigger.queue_manual_sync`): the sync runs as a `sync_run` job, and a
trigger while a run is live or a manual one is queued is refused with
`SyncAlreadyRunningError` (409 `sync_already_running`), never turned into a second run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from integrations.sync.trigger import queue_manual_sync

if TYPE_CHECKING:
    from integrations.practicepanther.tools import SyncStarted
    from integrations.services import Services

__all__ = ["INTEGRATION", "trigger_sync"]

INTEGRATION = "practicepanther"


async def trigger_sync(services: Services, sync_type: str, *, by: str) -> SyncStarted:
    """Queue a sync of `sync_type`; its job id.

    Raises:
        SyncAlreadyRunningError: a run is running or a manual one is already queued.
    """
    from integrations.jobs.runner import runner_for
    from integrations.practicepanther.tools import SyncStarted

    runner = runner_for(services)
    try:
        job = await queue_manual_sync(services, runner, INTEGRATION, sync_type, by=by)
    finally:
        await runner.close()
    return SyncStarted(sync_type=sync_type, status="queued", job_id=job)
