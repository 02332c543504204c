"""Inbound tables: webhook events and subscriptions and the synced entities.

The sync bookkeeping tables live in `tables_sync.py` and are re-exported here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from integrations.storage.tables import Base, Json, utcnow
from integrations.storage.tables_sync import (
    SyncLockRow,
    SyncRunRow,
    SyncScheduleRow,
    SyncStateRow,
)

__all__ = [
    "ContactRow",
    "ExchangeRow",
    "SyncLockRow",
    "SyncRunRow",
    "SyncScheduleRow",
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
    """A synced contact; for integration 'practicepanther' `external_id` is the PP contact id."""

    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("integration", "external_id", name="uq_contacts_external"),
        # A matter's client: the first contact of its account (sync reference lookups).
        Index("ix_contacts_integration_account", "integration", "account_external_id"),
    )

    display_name: Mapped[str | None] = mapped_column(String(300))
    first_name: Mapped[str | None] = mapped_column(String(150))
    last_name: Mapped[str | None] = mapped_column(String(150))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(64))
    account_external_id: Mapped[str | None] = mapped_column(String(128))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    company: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[dict[str, Any] | None] = mapped_column(Json)


class ExchangeRow(Base):
    """A synced matter, stored as the product's 1031 exchange.

    `status` is the product's status (PENDING | 45D | COMPLETED | TERMINATED) or, when the
    vendor's value has no mapping, that raw value; `status_raw` is always the vendor's value.
    `pp_data` is the vendor record as received.
    """

    __tablename__ = "exchanges"
    __table_args__ = (
        UniqueConstraint("integration", "pp_matter_id", name="uq_exchanges_external"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration: Mapped[str] = mapped_column(String(64))
    pp_matter_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str | None] = mapped_column(String(32))
    status_raw: Mapped[str | None] = mapped_column(String(64))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    start_date: Mapped[dt.datetime | None] = mapped_column()
    exchange_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    notes: Mapped[str | None] = mapped_column(Text)
    pp_data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_sync_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TaskRow(_SyncedEntity, Base):
    """A synced task, linked to its matter by external id."""

    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("integration", "external_id", name="uq_tasks_external"),)

    subject: Mapped[str | None] = mapped_column(String(300))  # the task's title
    description: Mapped[str | None] = mapped_column(Text)
    exchange_id: Mapped[int | None] = mapped_column(ForeignKey("exchanges.id", ondelete="SET NULL"))
    status: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[str | None] = mapped_column(String(32))
    matter_external_id: Mapped[str | None] = mapped_column(String(128))
    assigned_to: Mapped[str | None] = mapped_column(String(200))
    due_date: Mapped[dt.datetime | None] = mapped_column()
    completed_at: Mapped[dt.datetime | None] = mapped_column()
