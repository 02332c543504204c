"""Reads of the vendor tables webhooks keep current: PandaDoc `documents`, Typeform
`form_responses`. The admin API (`api/routes/vendor_data.py`) and `integrations data` both
read through here, so both list the same rows in the same order.

Lists are newest first and paged by offset: `Page.next_offset` is None on the last page.
Rows come back as JSON-ready dicts (times as RFC 3339 in UTC).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from integrations.storage.tables_vendor import DocumentRow, FormResponseRow

__all__ = ["MAX_OFFSET", "Page", "VendorDataRepository"]

MAX_OFFSET = 100_000  # deeper pages: narrow the filters instead


@dataclass(frozen=True, slots=True)
class Page:
    """One page of rows, the number of every match, and where the next page starts."""

    items: list[dict[str, Any]]
    total: int
    next_offset: int | None

    def to_json(self) -> dict[str, Any]:
        return {"items": self.items, "total": self.total, "next_offset": self.next_offset}


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def document_json(row: DocumentRow, *, raw: bool = False) -> dict[str, Any]:
    """A `documents` row as the API shows it; `raw` adds the last webhook payload."""
    view: dict[str, Any] = {
        "id": row.external_id,
        "name": row.name,
        "status": row.status,
        "recipients": row.recipients,
        "date_created": _iso(row.date_created),
        "date_modified": _iso(row.date_modified),
        "date_completed": _iso(row.date_completed),
        "last_event": row.last_event,
        "last_event_at": _iso(row.last_event_at),
        "updated_at": _iso(row.updated_at),
    }
    if raw:
        view["raw"] = row.raw
    return view


def form_response_json(row: FormResponseRow) -> dict[str, Any]:
    """A `form_responses` row as the API shows it: answers keyed by field ref."""
    return {
        "token": row.token,
        "form_id": row.form_id,
        "response_type": row.response_type,
        "landed_at": _iso(row.landed_at),
        "submitted_at": _iso(row.submitted_at),
        "answers": row.answers,
        "hidden": row.hidden,
        "event_id": row.event_id,
        "received_at": _iso(row.received_at),
    }


class VendorDataRepository:
    """Read-only queries over the vendor tables.

    Args:
        session: an open session; nothing is written.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def list_documents(
        self,
        *,
        status: str | None = None,
        updated_since: dt.datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page:
        """PandaDoc documents by last change (`updated_at`) newest first."""
        query = select(DocumentRow).where(DocumentRow.integration == "pandadoc")
        if status is not None:
            query = query.where(DocumentRow.status == status)
        if updated_since is not None:
            query = query.where(DocumentRow.updated_at >= updated_since)
        order = (DocumentRow.updated_at.desc(), DocumentRow.id.desc())
        rows, total, after = await self._page(query, order, limit, offset)
        return Page([document_json(r) for r in rows], total, after)

    async def get_document(self, *, document_id: str) -> dict[str, Any] | None:
        """One PandaDoc document with its last payload, or None."""
        row = await self._session.scalar(
            select(DocumentRow).where(
                DocumentRow.integration == "pandadoc", DocumentRow.external_id == document_id
            )
        )
        return document_json(row, raw=True) if row is not None else None

    async def list_form_responses(
        self,
        *,
        form_id: str,
        since: dt.datetime | None = None,
        response_type: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page:
        """A Typeform form's responses, newest submission first (partial ones, which have no
        submission time, after them)."""
        query = select(FormResponseRow).where(
            FormResponseRow.integration == "typeform", FormResponseRow.form_id == form_id
        )
        if since is not None:
            query = query.where(FormResponseRow.submitted_at >= since)
        if response_type is not None:
            query = query.where(FormResponseRow.response_type == response_type)
        order = (
            FormResponseRow.submitted_at.desc().nulls_last(),
            FormResponseRow.received_at.desc(),
            FormResponseRow.id.desc(),
        )
        rows, total, after = await self._page(query, order, limit, offset)
        return Page([form_response_json(r) for r in rows], total, after)

    async def _page(
        self, query: Select[Any], order: tuple[Any, ...], limit: int, offset: int
    ) -> tuple[list[Any], int, int | None]:
        rows = list(await self._session.scalars(query.order_by(*order).limit(limit).offset(offset)))
        count = select(func.count()).select_from(query.subquery())
        total = await self._session.scalar(count) or 0
        after = offset + len(rows)
        more = bool(rows) and after < total and after <= MAX_OFFSET
        return rows, total, after if more else None
