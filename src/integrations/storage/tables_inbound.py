"""Inbound tables: webhook events and subscriptions, syncs, and the synced entities."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from integrations.storage.tables import Base, Json, utcnow

__all__ = [
    "ContactRow",
    "MatterRow",
    "SyncLockRow",
    "SyncRunRow",
    "SyncStateRow",
    "TaskRow",
    "WebhookEventRow",
    "WebhookOperationRow",
    "WebhookSubscriptionRow",
]


def _event_id_as_key(context: Any) -> Any:
    # A row written without a key (tests, imports) dedupes on its event id, as before 0003.
    return context.get_current_parameters()["event_id"]


class WebhookEventRow(Base):
    """One inbound webhook delivery, stored before it is acknowledged.

    `event_id` is the vendor's id as sent (a digest when longer than 200 characters);
    `dedupe_key` is what the signature covers (the signed id, or the body's digest when the
    scheme signs the body alone) and is what makes a delivery a duplicate.
    """

    __tablename__ = "webhook_events"
    __table_args__ = (
        UniqueConstraint("integration", "dedupe_key", name="uq_webhook_events_dedupe"),
        Index("ix_webhook_events_status_next", "status", "next_attempt_at"),
        Index("ix_webhook_events_received", "integration", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(200))
    dedupe_key: Mapped[str] = mapped_column(String(200), default=_event_id_as_key)
    event_type: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    signature_valid: Mapped[bool] = mapped_column(Boolean)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column()
    locked_until: Mapped[dt.datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    attempt_log: Mapped[list[Any]] = mapped_column(default=list)
    trace_id: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[dt.datetime | None] = mapped_column()


class WebhookSubscriptionRow(Base):
    """A webhook we registered at a vendor (e.g. a Typeform form webhook) and its secret."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (
        UniqueConstraint("integration", "resource_id", "tag", name="uq_webhook_subscriptions_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str] = mapped_column(String(200))
    tag: Mapped[str] = mapped_column(String(128))
    remote_id: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    verify_ssl: Mapped[bool] = mapped_column(Boolean, default=True)
    secret: Mapped[str | None] = mapped_column(Text)
    previous_secret: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[dt.datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(32), default="active")
    details: Mapped[dict[str, Any] | None] = mapped_column(Json)
    last_checked_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WebhookOperationRow(Base):
    """Audit trail of every webhook management operation."""

    __tablename__ = "webhook_operations"
    __table_args__ = (Index("ix_webhook_operations_integration_at", "integration", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    integration: Mapped[str] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(Text)
    webhook_id: Mapped[str | None] = mapped_column(String(200))
    success: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SyncRunRow(Base):
    """One sync run: type, status, counts and timings."""

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
    error_summary: Mapped[str | None] = mapped_column(Text)
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


class _SyncedEntity:
    """Columns every synced entity shares: external id, raw vendor JSON, sync time."""

    id: Mapped[int] = mapped_column(primary_key=True)
    integration: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(128))
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_sync_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ContactRow(_SyncedEntity, Base):
    """A synced contact (e.g. a PracticePanther contact)."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("integration", "external_id", name="uq_contacts_external"),)

    display_name: Mapped[str | None] = mapped_column(String(300))
    first_name: Mapped[str | None] = mapped_column(String(150))
    last_name: Mapped[str | None] = mapped_column(String(150))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(64))
    account_external_id: Mapped[str | None] = mapped_column(String(128))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class MatterRow(_SyncedEntity, Base):
    """A synced matter (a case), linked to its account and contact by external id."""

    __tablename__ = "matters"
    __table_args__ = (UniqueConstraint("integration", "external_id", name="uq_matters_external"),)

    name: Mapped[str | None] = mapped_column(String(300))
    number: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str | None] = mapped_column(String(64))
    account_external_id: Mapped[str | None] = mapped_column(String(128))
    contact_external_id: Mapped[str | None] = mapped_column(String(128))
    open_date: Mapped[dt.datetime | None] = mapped_column()
    close_date: Mapped[dt.datetime | None] = mapped_column()
    description: Mapped[str | None] = mapped_column(Text)


class TaskRow(_SyncedEntity, Base):
    """A synced task, linked to its matter by external id."""

    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("integration", "external_id", name="uq_tasks_external"),)

    subject: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[str | None] = mapped_column(String(32))
    matter_external_id: Mapped[str | None] = mapped_column(String(128))
    assigned_to: Mapped[str | None] = mapped_column(String(200))
    due_date: Mapped[dt.datetime | None] = mapped_column()
    completed_at: Mapped[dt.datetime | None] = mapped_column()
