"""Company records entered by hand: stored, replaced and found by the searches' terms.

The manual-entry fallback of NICE D&B: an operator enters what a customer told them (the
business registration certificate) through `POST /api/v1/integrations/nicednb/manual-entries`,
and searches answer with it, flagged `source=manual`, when NICE D&B fails with nothing cached
or finds nothing. The business number is validated (10 digits, check digit) before a row is
written; a second entry for the same number replaces the first. Each entry that changes
the stored company appends a `company_entries` change (source `manual`) in its transaction.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select

from integrations.changes import record_change
from integrations.changes.snapshot import changed_fields, public_fields
from integrations.nicednb.business_number import (
    business_number_problem,
    normalise_business_number,
)
from integrations.nicednb.models import Company
from integrations.storage.db import Database
from integrations.storage.tables import utcnow
from integrations.storage.tables_companies import ManualCompanyRow

__all__ = ["ManualEntryCreate", "find_manual_entries", "save_manual_entry"]


class ManualEntryCreate(BaseModel):
    """A company as an operator enters it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    business_number: str = Field(description="사업자등록번호, 123-45-67890 or 10 digits")
    name: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    representative: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=500)
    industry: str | None = Field(default=None, max_length=200)
    established: str | None = Field(default=None, pattern=r"^\d{8}$", description="YYYYMMDD")
    credit_grade: str | None = Field(default=None, max_length=16)
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("business_number")
    @classmethod
    def _valid_number(cls, value: str) -> str:
        problem = business_number_problem(value)
        if problem:
            raise ValueError(problem)
        return normalise_business_number(value)


def _company(row: ManualCompanyRow) -> Company:
    return Company(
        business_number=row.business_number,
        name=row.name,
        name_en=row.name_en,
        representative=row.representative,
        address=row.address,
        industry=row.industry,
        established=row.established,
        credit_grade=row.credit_grade,
        source="manual",
    )


async def save_manual_entry(
    db: Database, entry: ManualEntryCreate, *, entered_by: str | None
) -> tuple[Company, bool]:
    """Store `entry` (replacing an earlier one for its number); (company, replaced)."""
    async with db.sessions.begin() as session:
        query = select(ManualCompanyRow).where(
            ManualCompanyRow.business_number == entry.business_number
        )
        row = (await session.scalars(query)).first()
        replaced = row is not None
        fields = entry.model_dump()
        before = {name: getattr(row, name) for name in fields} if row is not None else None
        if row is None:
            row = ManualCompanyRow(business_number=entry.business_number)
            session.add(row)
        for field, value in entry.model_dump(exclude={"business_number"}).items():
            setattr(row, field, value)
        if changed := changed_fields(before, fields):
            await record_change(
                session,
                integration="nicednb",
                entity="company_entries",
                external_id=entry.business_number,
                kind="updated" if replaced else "created",
                changed_fields=changed,
                source="manual",
                source_id=entered_by,
                data=public_fields(fields),
            )
        row.entered_by = entered_by
        row.updated_at = utcnow()
        await session.flush()
        return _company(row), replaced


async def find_manual_entries(
    db: Database,
    *,
    business_number: str | None = None,
    name: str | None = None,
    representative: str | None = None,
) -> list[Company]:
    """Manual entries matching one search term (exact number or representative, name part)."""
    query = select(ManualCompanyRow)
    if business_number is not None:
        query = query.where(ManualCompanyRow.business_number == business_number)
    elif name is not None:
        query = query.where(ManualCompanyRow.name.contains(name, autoescape=True))
    elif representative is not None:
        query = query.where(ManualCompanyRow.representative == representative)
    else:
        return []
    async with db.sessions() as session:
        rows = (await session.scalars(query.order_by(ManualCompanyRow.business_number))).all()
    return [_company(r) for r in rows]
