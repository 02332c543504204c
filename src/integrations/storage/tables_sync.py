"""Sync bookkeeping tables: runs, per-stream cursors, the per-integration lock, schedules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from integrations.storage.tables import Base, Json, utcnow

__all__ = ["SyncLockRow", "SyncRunRow", "SyncScheduleRow", "SyncStateRow"]


class SyncRunRow(Base):
    """One sync run: type, trigger and who, status, counts, timings and details.

    `status` is running | success | partial | error | stopped; `stop_requested` is set by a
    stop request and read by the engine between batches.
    """

    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_integration_started", "integration", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    integration: Mapped[str] = mapped_column(String(64))
    sync_type: Mapped[str] = mapped_column(String(16))
    trigger: Mapped[str] = mapped_column(String(32), default="manual")
    status: Mapped[str] = mapped_column(String(16), default="running")
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    stream_counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error_summary: Mapped[str | None] = mapped_column(Text)  # the run's error message
    triggered_by: Mapped[str | None] = mapped_column(String(128))
    processed_count: Mapped[int] = mapped_column(Integer, default=0)
    details: Mapped[dict[str, Any] | None] = mapped_column(Json)
    stop_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column()


class SyncStateRow(Base):
    """The cursor and checkpoint of one stream of one integration."""

    __tablename__ = "sync_state"
    __table_args__ = (UniqueConstraint("integration", "stream", name="uq_sync_state_stream"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    integration: Mapped[str] = mapped_column(String(64))
    stream: Mapped[str] = mapped_column(String(64))
    cursor: Mapped[str | None] = mapped_column(Text)
    checkpoint: Mapped[dict[str, Any] | None] = mapped_column(Json)
    last_synced_at: Mapped[dt.datetime | None] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SyncLockRow(Base):
    """At most one sync per integration: the row is the lock, with an expiry for crashes."""

    __tablename__ = "sync_locks"

    integration: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(128))
    acquired_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()


class SyncScheduleRow(Base):
    """An integration's runtime sync schedule: incremental interval and daily full-sync time."""

    __tablename__ = "sync_schedules"

    integration: Mapped[str] = mapped_column(String(64), primary_key=True)
    incremental_minutes: Mapped[int] = mapped_column(Integer, default=15)
    full_hour: Mapped[int] = mapped_column(Integer, default=2)
    full_minute: Mapped[int] = mapped_column(Integer, default=0)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Seoul")
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(128))
