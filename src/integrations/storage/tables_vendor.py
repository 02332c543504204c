"""Tables that connectors keep up to date from webhooks: signed documents, form responses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from integrations.storage.tables import Base, utcnow

__all__ = ["DocumentRow", "FormResponseRow"]


class DocumentRow(Base):
    """A tracked e-signature document (e.g. PandaDoc), updated by its status webhooks."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("integration", "external_id", name="uq_documents_external"),
        Index("ix_documents_status", "integration", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(64))
    recipients: Mapped[list[Any]] = mapped_column(default=list)
    date_created: Mapped[dt.datetime | None] = mapped_column()
    date_modified: Mapped[dt.datetime | None] = mapped_column()
    date_completed: Mapped[dt.datetime | None] = mapped_column()
    last_event: Mapped[str | None] = mapped_column(String(64))
    last_event_at: Mapped[dt.datetime | None] = mapped_column()
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class FormResponseRow(Base):
    """One submitted form response (e.g. Typeform), answers keyed by field ref."""

    __tablename__ = "form_responses"
    __table_args__ = (
        UniqueConstraint("integration", "form_id", "token", name="uq_form_responses_token"),
        Index("ix_form_responses_form_submitted", "integration", "form_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration: Mapped[str] = mapped_column(String(64))
    form_id: Mapped[str] = mapped_column(String(64))
    token: Mapped[str] = mapped_column(String(128))
    response_type: Mapped[str] = mapped_column(String(32), default="completed")
    landed_at: Mapped[dt.datetime | None] = mapped_column()
    submitted_at: Mapped[dt.datetime | None] = mapped_column()
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    hidden: Mapped[dict[str, Any]] = mapped_column(default=dict)
    event_id: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
