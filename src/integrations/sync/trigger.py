"""Queueing a manual sync: the one path behind `POST /api/sync/trigger`, `/api/sync/restart`
and a connector's `trigger_sync` operation (REST action, `integrations call`, MCP), so every
surface refuses a second run alike: `SyncAlreadyRunningError`, HTTP 409
`sync_already_running`.

Refused while a live run holds the integration's lock (a run left `running` by a killed
process does not count: the next run closes it), and while a `sync_run` job of the
integration is queued or running. Triggers of one integration are serialised (PostgreSQL:
a transaction advisory lock; SQLite: its write lock, taken first), and the check and the
defer share that transaction: the second of two triggers at once sees the first one's job,
even when a worker has already started it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import text, update

from integrations.jobs.runner import lock_in_use
from integrations.storage.tables_sync import SyncLockRow
from integrations.sync.definition import SyncAlreadyRunningError
from integrations.sync.jobs import RUN_LOCK, defer_sync
from integrations.sync.locks import advisory_key, sync_is_running

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from integrations.jobs.runner import JobRunner
    from integrations.services import Services

__all__ = ["manual_queueing_lock", "queue_manual_sync"]

_TRIGGER_NAMESPACE = 0x53594E54  # "SYNT": apart from the runs' own advisory locks


def manual_queueing_lock(integration: str) -> str:
    return f"sync:{integration}:manual"


async def _serialise_triggers(session: AsyncSession, integration: str) -> None:
    """Hold, until `session`'s transaction ends, the lock every trigger of `integration`
    takes first."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:ns, :key)"),
            {"ns": _TRIGGER_NAMESPACE, "key": advisory_key(integration)},
        )
        return
    # SQLite: an UPDATE takes the database's single write lock even when it changes nothing.
    await session.execute(
        update(SyncLockRow)
        .where(SyncLockRow.integration == integration)
        .values(owner=SyncLockRow.owner)
        .execution_options(synchronize_session=False)  # no SELECT before it
    )


async def queue_manual_sync(
    services: Services, runner: JobRunner, integration: str, sync_type: str, *, by: str
) -> str:
    """Queue a `sync_run` of `sync_type` triggered by `by`; its job id.

    Raises:
        SyncAlreadyRunningError: a sync of `integration` is running or queued.
    """
    async with services.db.sessions.begin() as session:
        await _serialise_triggers(session, integration)
        if await sync_is_running(services.db, integration, dt.datetime.now(dt.UTC)):
            raise SyncAlreadyRunningError(
                f"a sync of {integration} is already running", integration=integration
            )
        if await lock_in_use(services, session, RUN_LOCK.format(integration=integration)):
            raise SyncAlreadyRunningError(
                f"a sync of {integration} is already queued or running", integration=integration
            )
        job_id = await defer_sync(
            runner,
            integration,
            sync_type,
            trigger="manual",
            triggered_by=by,
            queueing_lock=manual_queueing_lock(integration),
            session=session,
        )
    if job_id is None:  # the queueing lock: cannot happen after the check above, kept as a guard
        raise SyncAlreadyRunningError(
            f"a sync of {integration} is already queued", integration=integration
        )
    return job_id
