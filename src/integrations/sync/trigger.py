"""Queueing a manual sync: the one path behind `POST /api/sync/trigger`, `/api/sync/restart`
and a connector's `trigger_sync` operation (REST action, `integrations call`, MCP), so every
surface refuses a second run alike: `SyncAlreadyRunningError`, HTTP 409
`sync_already_running`.

Refused: while a live run holds the integration's lock (a run left `running` by a killed
process does not count: the next run closes it), and while a manual sync of it is queued
(the queueing lock `sync:<integration>:manual`, so of two triggers at once one is queued).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from integrations.sync.definition import SyncAlreadyRunningError
from integrations.sync.jobs import defer_sync
from integrations.sync.locks import sync_is_running

if TYPE_CHECKING:
    from integrations.jobs.runner import JobRunner
    from integrations.services import Services

__all__ = ["manual_queueing_lock", "queue_manual_sync"]


def manual_queueing_lock(integration: str) -> str:
    return f"sync:{integration}:manual"


async def queue_manual_sync(
    services: Services, runner: JobRunner, integration: str, sync_type: str, *, by: str
) -> str:
    """Queue a `sync_run` of `sync_type` triggered by `by`; its job id.

    Raises:
        SyncAlreadyRunningError: a sync of `integration` is running or a manual one is queued.
    """
    if await sync_is_running(services.db, integration, dt.datetime.now(dt.UTC)):
        raise SyncAlreadyRunningError(
            f"a sync of {integration} is already running", integration=integration
        )
    job_id = await defer_sync(
        runner,
        integration,
        sync_type,
        trigger="manual",
        triggered_by=by,
        queueing_lock=manual_queueing_lock(integration),
    )
    if job_id is None:
        raise SyncAlreadyRunningError(
            f"a sync of {integration} is already queued", integration=integration
        )
    return job_id
