"""PandaDoc gap detection: documents changed at PandaDoc whose webhook never reached us.

One run lists the documents modified since the last check (minus an overlap, so a document
modified while the previous run listed is seen again) on the limiter's background lane, and
compares each with its `documents` row. A document that is missing, older, or in another
status is a gap: its details are read and applied through the webhook handler itself
(`pandadoc.webhooks.apply_document_events`, as a `document_state_changed` notification), so
the same ordering rules decide, and the change is recorded with source `reconciliation`.

Not covered: a document deleted at PandaDoc whose `document_deleted` webhook was lost (the
list no longer returns it, so nothing here notices).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from integrations.logging import get_logger
from integrations.pandadoc import operations as ops
from integrations.pandadoc.bodies import DocumentFilter
from integrations.pandadoc.client import PandaDocIntegration
from integrations.pandadoc.events import Trigger
from integrations.pandadoc.models import DocumentListItem
from integrations.pandadoc.webhooks import apply_document_events
from integrations.reconciliation.ledger import ReconciliationRun, read_ledger
from integrations.services import Services
from integrations.storage.tables import utcnow
from integrations.storage.tables_vendor import DocumentRow
from integrations.webhooks.dispatch import InboxEvent

__all__ = ["OVERLAP", "reconcile_documents"]

OVERLAP = dt.timedelta(minutes=5)
_HIDDEN = {"lock", "folder_uuid", "date_sent", "ref_number", "created_by", "sent_by"}
_log = get_logger()


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def is_gap(row: tuple[str, dt.datetime | None] | None, item: DocumentListItem) -> bool:
    """Whether our row (status, date_modified) misses a change the vendor listed."""
    if row is None:
        return True
    status, modified = row
    listed = _utc(item.date_modified)
    if modified is not None and listed is not None and _utc(modified) != listed:
        return _utc(modified) < listed  # type: ignore[operator]
    return status != item.status


async def _rows(services: Services, ids: list[str]) -> dict[str, tuple[str, dt.datetime | None]]:
    async with services.db.sessions() as session:
        found = await session.execute(
            select(DocumentRow.external_id, DocumentRow.status, DocumentRow.date_modified).where(
                DocumentRow.integration == "pandadoc", DocumentRow.external_id.in_(ids)
            )
        )
        return {external_id: (status, modified) for external_id, status, modified in found.all()}


async def _heal(services: Services, client: PandaDocIntegration, document_id: str) -> None:
    details = await ops.get_document_details(client, document_id, priority="background")
    data: dict[str, Any] = details.model_dump(mode="json", exclude=_HIDDEN)
    event = InboxEvent(
        id=0,
        integration="pandadoc",
        event_id=f"reconciliation:{document_id}:{data.get('date_modified')}",
        event_type=Trigger.DOCUMENT_STATE_CHANGED,
        payload=[{"event": Trigger.DOCUMENT_STATE_CHANGED, "data": data}],
        headers={},
        received_at=utcnow(),
        attempt=1,
    )
    async with services.db.sessions.begin() as session:
        await apply_document_events(event, session, source="reconciliation")


async def reconcile_documents(services: Services, client: PandaDocIntegration) -> ReconciliationRun:
    """Compare the documents PandaDoc modified since the last check with ours; heal gaps."""
    ledger = await read_ledger(services, "pandadoc", "documents")
    since = dt.datetime.fromisoformat(ledger.cursor) - OVERLAP if ledger.cursor else None
    filters = DocumentFilter(modified_from=since) if since else None
    listed = [item async for item in ops.iter_documents(client, filters, priority="background")]
    rows = await _rows(services, [item.id for item in listed])
    gaps = [item.id for item in listed if is_gap(rows.get(item.id), item)]
    for document_id in gaps:
        await _heal(services, client, document_id)
    dates = [d for d in (_utc(item.date_modified) for item in listed) if d is not None]
    cursor = max(dates).isoformat() if dates else None
    _log.info("reconciliation.documents_checked", checked=len(listed), gaps=len(gaps), since=since)
    return ReconciliationRun("pandadoc", "documents", len(listed), gaps, cursor)
