"""Reading sync state for the API and CLI: status, run history, statistics; stop requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from integrations.services import Services
from integrations.storage.tables_sync import SyncLockRow, SyncRunRow, SyncStateRow
from integrations.sync.runs import mark_stop_requested
from integrations.sync.schedules import read_schedule, schedule_payload

__all__ = ["list_runs", "request_stop", "run_payload", "sync_statistics", "sync_status"]

R = SyncRunRow


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def run_payload(row: SyncRunRow) -> dict[str, Any]:
    """One `sync_runs` row as the API shows it."""
    duration = None
    if row.finished_at is not None:
        duration = round((row.finished_at - row.started_at).total_seconds(), 3)
    return {
        "id": row.id,
        "integration": row.integration,
        "syncType": row.sync_type,
        "trigger": row.trigger,
        "triggeredBy": row.triggered_by,
        "status": row.status,
        "startedAt": _iso(row.started_at),
        "completedAt": _iso(row.finished_at),
        "durationSeconds": duration,
        "processed": row.processed_count,
        "created": row.created_count,
        "updated": row.updated_count,
        "failed": row.failed_count,
        "streams": row.stream_counts,
        "errorMessage": row.error_summary,
        "details": row.details or {},
        "stopRequested": row.stop_requested,
    }


async def request_stop(services: Services, integration: str) -> bool:
    """Ask the running syncs of `integration` to stop at their next batch boundary."""
    return await mark_stop_requested(services.db, integration)


async def sync_status(services: Services, integration: str, *, recent: int = 10) -> dict[str, Any]:
    """Running runs, the lock, the schedule, each stream's cursor and the recent history."""
    async with services.db.sessions() as session:
        running = list(
            await session.scalars(
                select(R).where(R.integration == integration, R.status == "running").order_by(R.id)
            )
        )
        history = list(
            await session.scalars(
                select(R).where(R.integration == integration).order_by(R.id.desc()).limit(recent)
            )
        )
        lock = await session.get(SyncLockRow, integration)
        states = list(
            await session.scalars(
                select(SyncStateRow).where(SyncStateRow.integration == integration)
            )
        )
    schedule = await read_schedule(services.db, integration)
    return {
        "integration": integration,
        "running": [run_payload(r) for r in running],
        "lock": None
        if lock is None
        else {"expiresAt": _iso(lock.expires_at), "acquiredAt": _iso(lock.acquired_at)},
        "schedule": schedule_payload(schedule),
        "streams": {
            s.stream: {
                "cursor": s.cursor,
                "lastSyncedAt": _iso(s.last_synced_at),
                "checkpoint": s.checkpoint,
            }
            for s in states
            if not s.stream.startswith("schedule:")
        },
        "recent": [run_payload(r) for r in history],
    }


async def list_runs(
    services: Services,
    integration: str,
    *,
    page: int,
    limit: int,
    sync_type: str | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    """Runs newest first, filtered; `page` counts from 1."""
    where = [R.integration == integration]
    if sync_type:
        where.append(R.sync_type == sync_type)
    if status:
        where.append(R.status == status)
    async with services.db.sessions() as session:
        rows = list(
            await session.scalars(
                select(R)
                .where(*where)
                .order_by(R.id.desc())
                .offset((page - 1) * limit)
                .limit(limit)
            )
        )
        total = int(await session.scalar(select(func.count()).select_from(R).where(*where)) or 0)
    return {"items": [run_payload(r) for r in rows], "total": total, "page": page, "limit": limit}


async def sync_statistics(
    services: Services, integration: str, *, now: dt.datetime, days: int = 30
) -> dict[str, Any]:
    """Runs in the last `days`: count by status, success rate, records, mean duration."""
    since = now - dt.timedelta(days=days)
    async with services.db.sessions() as session:
        rows = list(
            await session.scalars(
                select(R).where(R.integration == integration, R.started_at >= since)
            )
        )
    finished = [r for r in rows if r.finished_at is not None]
    durations = [(r.finished_at - r.started_at).total_seconds() for r in finished if r.finished_at]
    by_status: dict[str, int] = {}
    for row in rows:
        by_status[row.status] = by_status.get(row.status, 0) + 1
    return {
        "integration": integration,
        "days": days,
        "runs": len(rows),
        "byStatus": by_status,
        "successRate": round(by_status.get("success", 0) / len(finished), 4) if finished else None,
        "recordsProcessed": sum(r.processed_count for r in rows),
        "recordsFailed": sum(r.failed_count for r in rows),
        "meanDurationSeconds": round(sum(durations) / len(durations), 3) if durations else None,
    }
