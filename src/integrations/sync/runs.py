"""`sync_runs` rows: opened when a run starts, closed with its outcome; stop requests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update

from integrations.storage.db import Database
from integrations.storage.tables_sync import SyncRunRow

__all__ = [
    "SyncRunSummary",
    "finish_run",
    "interrupted_full_run",
    "mark_interrupted",
    "mark_stop_requested",
    "open_run",
    "stop_requested",
]


@dataclass(slots=True)
class SyncRunSummary:
    """What a run did; also what `sync_runs` holds for it."""

    run_id: int
    status: str = "running"
    processed: int = 0
    created: int = 0
    updated: int = 0
    failed: int = 0
    per_stream: dict[str, dict[str, Any]] = field(default_factory=dict)
    error_message: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


async def open_run(
    db: Database,
    integration: str,
    sync_type: str,
    *,
    trigger: str,
    triggered_by: str | None,
    now: dt.datetime,
) -> int:
    async with db.sessions.begin() as session:
        row = SyncRunRow(
            integration=integration,
            sync_type=sync_type,
            trigger=trigger,
            triggered_by=triggered_by,
            status="running",
            started_at=now,
            stream_counts={},
            details={},
        )
        session.add(row)
        await session.flush()
        return row.id


async def interrupted_full_run(db: Database, integration: str, run_id: int) -> int | None:
    """The run before `run_id` when it was a full run that ended in `error` (died, or failed
    for good): the full run `run_id` then resumes it. None otherwise."""
    async with db.sessions() as session:
        previous = (
            await session.execute(
                select(SyncRunRow.id, SyncRunRow.sync_type, SyncRunRow.status)
                .where(SyncRunRow.integration == integration, SyncRunRow.id < run_id)
                .order_by(SyncRunRow.id.desc())
                .limit(1)
            )
        ).first()
    if previous is None or previous.sync_type != "full" or previous.status != "error":
        return None
    return int(previous.id)


async def finish_run(db: Database, summary: SyncRunSummary, now: dt.datetime) -> None:
    async with db.sessions.begin() as session:
        await session.execute(
            update(SyncRunRow)
            .where(SyncRunRow.id == summary.run_id)
            .values(
                status=summary.status,
                processed_count=summary.processed,
                created_count=summary.created,
                updated_count=summary.updated,
                failed_count=summary.failed,
                stream_counts=summary.per_stream,
                error_summary=summary.error_message,
                details=summary.details,
                finished_at=now,
            )
        )


async def mark_interrupted(db: Database, integration: str, now: dt.datetime) -> int:
    """Close runs left `running` by a process that died (called by the lock's new holder,
    so none of them can still be running); how many there were."""
    async with db.sessions.begin() as session:
        result = await session.execute(
            update(SyncRunRow)
            .where(SyncRunRow.integration == integration, SyncRunRow.status == "running")
            .values(
                status="error",
                error_summary="interrupted: the process running it stopped before it finished",
                finished_at=now,
            )
        )
    return int(getattr(result, "rowcount", 0) or 0)


async def stop_requested(db: Database, run_id: int) -> bool:
    async with db.sessions() as session:
        flag = await session.scalar(
            select(SyncRunRow.stop_requested).where(SyncRunRow.id == run_id)
        )
    return bool(flag)


async def mark_stop_requested(db: Database, integration: str) -> bool:
    """Ask every running run of `integration` to stop at its next batch boundary; True when
    there was one."""
    async with db.sessions.begin() as session:
        result = await session.execute(
            update(SyncRunRow)
            .where(SyncRunRow.integration == integration, SyncRunRow.status == "running")
            .values(stop_requested=True)
        )
    return bool(getattr(result, "rowcount", 0))
