"""The embedded runner's queries over the `jobs` table: insert, claim, extend, finish.

Claiming is one UPDATE whose subquery picks the oldest due job, so two workers never hold
the same job: SQLite runs one writer at a time, and PostgreSQL skips rows another claim has
locked (`FOR UPDATE SKIP LOCKED`). A job is due when it is queued and its time came, or when
it is running under a lease that expired (its worker died). A job whose `lock` another job
holds is not due; the partial unique index on running locks settles the race two claims on
PostgreSQL can still run into (the loser claims nothing this time round).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from integrations.storage.db import Database
from integrations.storage.tables_jobs import JobRow

__all__ = ["ClaimedJob", "JobStore"]


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    """A job this worker now holds: run it, then finish it."""

    id: int
    name: str
    args: dict[str, Any]
    attempt: int
    max_attempts: int
    trace_id: str | None
    scheduled_at: dt.datetime


class JobStore:
    """Queries of one worker process (`worker` names it in the rows it holds)."""

    def __init__(self, database: Database, worker: str) -> None:
        self._db = database
        self.worker = worker

    async def insert(self, values: dict[str, Any], session: AsyncSession | None) -> int | None:
        """Queue a job; None when a queued job holds its queueing lock or schedule key.

        ON CONFLICT DO NOTHING instead of catching the violation: in the caller's
        transaction on PostgreSQL a violation would abort everything the caller did.
        """
        dialect = postgresql if not self._db.is_sqlite else sqlite
        statement = (
            dialect.insert(JobRow).values(**values).on_conflict_do_nothing().returning(JobRow.id)
        )
        if session is not None:
            return (await session.execute(statement)).scalar_one_or_none()
        async with self._db.sessions.begin() as own:
            return (await own.execute(statement)).scalar_one_or_none()

    async def claim(self, now: dt.datetime, lease_until: dt.datetime) -> ClaimedJob | None:
        """Take the oldest due job under a lease, counting the attempt; None when none is."""
        candidate, other = aliased(JobRow, name="candidate"), aliased(JobRow, name="other")
        lock_busy = exists().where(
            other.lock == candidate.lock, other.status == "doing", other.id != candidate.id
        )
        pick = (
            select(candidate.id)
            .where(
                or_(
                    and_(candidate.status == "todo", candidate.scheduled_at <= now),
                    and_(candidate.status == "doing", candidate.locked_until < now),
                ),
                or_(candidate.lock.is_(None), ~lock_busy),
            )
            .order_by(candidate.scheduled_at, candidate.id)
            .limit(1)
        )
        if not self._db.is_sqlite:
            pick = pick.with_for_update(skip_locked=True)
        statement = (
            update(JobRow)
            .where(JobRow.id == pick.scalar_subquery())
            .values(
                status="doing",
                attempts=JobRow.attempts + 1,
                locked_until=lease_until,
                worker=self.worker,
            )
            .returning(
                JobRow.id,
                JobRow.name,
                JobRow.args,
                JobRow.attempts,
                JobRow.max_attempts,
                JobRow.trace_id,
                JobRow.scheduled_at,
            )
        )
        try:
            async with self._db.sessions.begin() as session:
                row = (await session.execute(statement)).one_or_none()
        except IntegrityError:  # another worker took this lock a moment earlier
            return None
        return ClaimedJob(*row) if row is not None else None

    async def extend(self, job_id: int, lease_until: dt.datetime) -> bool:
        """Renew the lease of a job this worker holds; False when it lost the job."""
        return await self._set(job_id, locked_until=lease_until) == 1

    async def succeed(self, job_id: int, now: dt.datetime) -> None:
        await self._set(job_id, status="succeeded", finished_at=now, locked_until=None)

    async def fail(self, job_id: int, now: dt.datetime, error: str) -> None:
        await self._set(
            job_id, status="failed", finished_at=now, locked_until=None, last_error=error
        )

    async def retry(self, job_id: int, at: dt.datetime, error: str) -> None:
        """Queue the job again for `at`. A duplicate queued meanwhile under the same
        queueing lock would refuse it: the retry then gives the lock up, not the run."""
        values: dict[str, Any] = {
            "status": "todo",
            "scheduled_at": at,
            "locked_until": None,
            "last_error": error,
        }
        try:
            await self._set(job_id, **values)
        except IntegrityError:
            await self._set(job_id, queueing_lock=None, **values)

    async def _set(self, job_id: int, **values: Any) -> int:
        statement = (
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.worker == self.worker, JobRow.status == "doing")
            .values(**values)
        )
        async with self._db.sessions.begin() as session:
            result = await session.execute(statement)
        return int(getattr(result, "rowcount", 0))

    async def depth(self) -> dict[str, int]:
        """How many jobs are in each status."""
        statement = select(JobRow.status, func.count()).group_by(JobRow.status)
        async with self._db.sessions() as session:
            return {status: int(n) for status, n in (await session.execute(statement)).all()}
