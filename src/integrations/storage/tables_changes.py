"""Change log tables: every change to a synced or webhook-fed record, and its fan-out.

`changes.id` is the feed's cursor: rows are appended in the writer's transaction, and
`integrations.changes.record_change` serialises writers so ids become visible in order.
`event_subscriptions` and `change_deliveries` hold the outbound change events (issue 19,
subscriptions): a delivery row per (subscription, change), ordered per entity by `entity_key`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from integrations.storage.tables import Base, Json, utcnow

__all__ = ["ChangeDeliveryRow", "ChangeRow", "EventSubscriptionRow", "cursor_type"]

# A 64-bit cursor on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY.
cursor_type = BigInteger().with_variant(Integer(), "sqlite")


class ChangeRow(Base):
    """One created/updated/deleted record; `id` is the cursor readers resume from."""

    __tablename__ = "changes"
    __table_args__ = (Index("ix_changes_integration_entity_id", "integration", "entity", "id"),)

    id: Mapped[int] = mapped_column(cursor_type, primary_key=True, autoincrement=True)
    integration: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    changed_fields: Mapped[list[Any]] = mapped_column(Json, default=list)
    source: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any] | None] = mapped_column(Json)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class EventSubscriptionRow(Base):
    """An outbound destination for change events; the signing secret is Fernet-encrypted."""

    __tablename__ = "event_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    entities: Mapped[list[Any]] = mapped_column(Json, default=list)
    secret_encrypted: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(128))


class ChangeDeliveryRow(Base):
    """One change on its way to one subscription: pending → delivered | dead."""

    __tablename__ = "change_deliveries"
    __table_args__ = (
        UniqueConstraint(
            "subscription_id", "change_id", name="uq_change_deliveries_subscription_id"
        ),
        Index("ix_change_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index(
            "ix_change_deliveries_subscription_entity_change",
            "subscription_id",
            "entity_key",
            "change_id",
        ),
    )

    id: Mapped[int] = mapped_column(cursor_type, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("event_subscriptions.id", ondelete="CASCADE")
    )
    change_id: Mapped[int] = mapped_column(cursor_type, ForeignKey("changes.id"))
    entity_key: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
