"""Delivery status of outgoing messages (email and SMS), one row per message.

A bulk send writes one row per recipient, so a caller can ask about any single message later
(`track_delivery_status`). The recipient is stored masked (`j***@example.org`,
`+82******5678`): the row answers "what happened to message X", and it does not need to be a
second copy of a customer's address book.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from integrations.storage.tables import Base, utcnow

__all__ = ["MessageDeliveryRow"]


class MessageDeliveryRow(Base):
    """One message's delivery: queued → sent | failed, with the attempts it took.

    `error_code` is the SMTP reply code (550) or the vendor's error code (`InvalidParameter`);
    `provider_message_id` is what the vendor answered (SNS MessageId, the SMTP server's
    queue id when it gives one).
    """

    __tablename__ = "message_deliveries"
    __table_args__ = (
        Index("ix_message_deliveries_channel_status", "channel", "status"),
        Index("ix_message_deliveries_batch_id", "batch_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_reason: Mapped[str | None] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    batch_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
