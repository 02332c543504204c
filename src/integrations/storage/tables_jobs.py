"""The embedded runner's durable job table (PostgreSQL deployments use procrastinate's).

One row per deferred job. `lock` is unique among running jobs and `queueing_lock` among
queued ones, by partial unique indexes, so the database (not the worker's memory) refuses a
second running sync of an integration or a duplicate queued job, even between processes.
`schedule_key` (job name and scheduled time) is unique for good, so two processes'
schedulers defer a periodic run once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from integrations.storage.tables import Base, utcnow

__all__ = ["JobRow"]

_DOING = text("status = 'doing'")
_QUEUED_ONLY = text("status = 'todo'")


class JobRow(Base):
    """One job: what to run, its state, and the lease of the worker running it.

    `status` goes todo → doing → succeeded | failed, and doing → todo on a retry. A doing
    job whose `locked_until` passed belongs to a worker that died: any worker claims it.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("schedule_key", name="uq_jobs_schedule_key"),
        Index("ix_jobs_status_scheduled", "status", "scheduled_at"),
        Index(
            "uq_jobs_lock_doing",
            "lock",
            unique=True,
            sqlite_where=_DOING,
            postgresql_where=_DOING,
        ),
        Index(
            "uq_jobs_queueing_lock_todo",
            "queueing_lock",
            unique=True,
            sqlite_where=_QUEUED_ONLY,
            postgresql_where=_QUEUED_ONLY,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    args: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="todo")
    lock: Mapped[str | None] = mapped_column(String(200))
    queueing_lock: Mapped[str | None] = mapped_column(String(200))
    schedule_key: Mapped[str | None] = mapped_column(String(240))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    scheduled_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[dt.datetime | None] = mapped_column()
    worker: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    trace_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column()
