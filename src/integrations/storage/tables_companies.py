"""Company records an operator entered by hand (NICE D&B's manual-entry fallback)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from integrations.storage.tables import Base, utcnow

__all__ = ["ManualCompanyRow"]


class ManualCompanyRow(Base):
    """One company entered through `POST /api/v1/integrations/nicednb/manual-entries`.

    Searches return it, flagged `source=manual`, when NICE D&B fails with nothing cached or
    finds nothing. One row per business number: a second entry replaces the first.
    """

    __tablename__ = "nicednb_manual_entries"
    __table_args__ = (
        UniqueConstraint("business_number", name="uq_nicednb_manual_entries_business_number"),
        Index("ix_nicednb_manual_entries_representative", "representative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_number: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    representative: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(500))
    industry: Mapped[str | None] = mapped_column(String(200))
    established: Mapped[str | None] = mapped_column(String(8))
    credit_grade: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
