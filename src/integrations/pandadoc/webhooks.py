"""PandaDoc deliveries after verification: document events keep the `documents` table current.

A delivery is a JSON array of `{event, data}` notifications; each document event upserts
the document's row (status, recipients and their completion, dates, last event). Deliveries
can be repeated and arrive out of order, and the worker runs several at once, so:

- the row is created with `INSERT ... ON CONFLICT DO NOTHING` and then locked, so two
  deliveries for one new document never collide;
- a notification older than the row (by `date_modified`) changes nothing; one with the same
  or an unknown `date_modified` never moves the status backwards (a completed document stays
  completed), but still records recipients who completed. Only a newer notification may
  move a document out of a terminal state (e.g. a revert to draft).

`document_deleted` sets the pseudo-status `document.deleted`, which nothing older undoes.

Each notification that changes the row appends a change (`documents`: created, updated with
the fields that differ, or deleted) in the same transaction; a repeated or stale one appends
nothing. Reconciliation applies what it finds through this same path with its own `source`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from integrations.changes import record_change
from integrations.changes.snapshot import changed_fields, public_fields
from integrations.logging import get_logger
from integrations.pandadoc.events import DocumentEventData, Trigger, parse_notifications
from integrations.pandadoc.models import DocumentRecipient, DocumentStatus
from integrations.storage.tables import utcnow
from integrations.storage.tables_vendor import DocumentRow
from integrations.webhooks.dispatch import HandlerRegistry, InboxEvent

__all__ = ["DELETED", "apply_document_events", "register", "should_apply", "status_rank"]

DELETED = "document.deleted"
_log = get_logger()
# The columns a change reports (the feed's `data` and `changed_fields`).
_PUBLIC = (
    "name",
    "status",
    "recipients",
    "date_created",
    "date_modified",
    "date_completed",
    "last_event",
)
# How far along its lifecycle a status is; equal-time notifications never go down this.
_RANK: dict[str, int] = {
    DocumentStatus.UPLOADED: 0,
    DocumentStatus.DRAFT: 1,
    DocumentStatus.SCHEDULED: 2,
    DocumentStatus.WAITING_APPROVAL: 2,
    DocumentStatus.APPROVED: 3,
    DocumentStatus.EXTERNAL_REVIEW: 3,
    DocumentStatus.SENT: 4,
    DocumentStatus.VIEWED: 5,
    DocumentStatus.WAITING_PAY: 6,
    DocumentStatus.COMPLETED: 7,
    DocumentStatus.PAID: 8,
    DocumentStatus.VOIDED: 8,
    DocumentStatus.DECLINED: 8,
    DocumentStatus.REJECTED: 8,
    DocumentStatus.ERROR: 8,
    DELETED: 9,
}


def status_rank(status: str | None) -> int:
    """The lifecycle position of `status` (unknown statuses count as the start)."""
    return _RANK.get(status or "", 0)


def should_apply(
    current: str | None,
    current_modified: dt.datetime | None,
    new: str | None,
    new_modified: dt.datetime | None,
) -> bool:
    """Whether a notification (`new` at `new_modified`) replaces the stored state."""
    if not current:
        return True
    if current_modified is None or new_modified is None or new_modified == current_modified:
        return status_rank(new) >= status_rank(current)
    return new_modified > current_modified


def _recipient(r: DocumentRecipient) -> dict[str, Any]:
    return r.model_dump(
        mode="json",
        include={
            "id",
            "email",
            "phone",
            "first_name",
            "last_name",
            "role",
            "recipient_type",
            "signing_order",
            "has_completed",
            "signature_date",
        },
    )


def _merge_completion(stored: list[Any], incoming: list[dict[str, Any]]) -> list[Any]:
    """Stored recipients, with anyone `incoming` says completed marked completed."""
    done = {r["id"]: r for r in incoming if r.get("has_completed") and r.get("id")}
    merged = []
    for item in stored:
        extra = done.get(item.get("id")) if isinstance(item, dict) else None
        if extra is not None:
            item = item | {k: extra[k] for k in ("has_completed", "signature_date")}
        merged.append(item)
    return merged


async def _locked_row(session: AsyncSession, document_id: str) -> tuple[DocumentRow, bool]:
    """The document's row, locked, and whether this call created it."""
    table = cast(Table, DocumentRow.__table__)
    dialect = session.get_bind().dialect.name
    now = utcnow()
    insert = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(table)
    inserted = await session.execute(
        insert.values(
            integration="pandadoc",
            external_id=document_id,
            status="",
            recipients=[],
            raw={},
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["integration", "external_id"])
        .returning(table.c.id)  # a row only when this insert made it (rowcount is unreliable)
    )
    row = await session.scalar(
        select(DocumentRow)
        .where(DocumentRow.integration == "pandadoc", DocumentRow.external_id == document_id)
        .with_for_update()
    )
    assert row is not None
    return row, inserted.first() is not None


def _snapshot(row: DocumentRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in _PUBLIC}


async def _apply(
    session: AsyncSession,
    note: tuple[str, DocumentEventData, dict[str, Any]],
    *,
    source: str,
    source_id: str | None,
) -> bool:
    """Apply one notification and record the change it made; whether it was applied."""
    event, doc, data = note
    row, created = await _locked_row(session, doc.id)
    before = None if created else _snapshot(row)
    applied = _update(row, event, doc, data)
    after = _snapshot(row)
    fields = changed_fields(before, after)
    if fields:
        deleted = event == Trigger.DOCUMENT_DELETED
        await record_change(
            session,
            integration="pandadoc",
            entity="documents",
            external_id=doc.id,
            kind="created" if created else "deleted" if deleted else "updated",
            changed_fields=fields,
            source=source,
            source_id=source_id,
            data=public_fields(after),
        )
    return applied


def _update(row: DocumentRow, event: str, doc: DocumentEventData, data: dict[str, Any]) -> bool:
    status = DELETED if event == Trigger.DOCUMENT_DELETED else (doc.status or row.status)
    recipients = [_recipient(r) for r in doc.recipients]
    if not should_apply(row.status, row.date_modified, status, doc.date_modified):
        undated = row.date_modified is None or doc.date_modified is None
        if undated or doc.date_modified == row.date_modified:
            row.recipients = _merge_completion(list(row.recipients or []), recipients)
        return False
    row.name = doc.name or row.name
    row.status = status
    if "recipients" in data:  # the snapshot is the truth (a revert clears signatures) ...
        same_time = row.date_modified is None or doc.date_modified == row.date_modified
        # ... unless it is no newer than the row: a same-time event (recipient_completed
        # processed first) may have recorded a signature this snapshot predates.
        stored = list(row.recipients or []) if same_time else []
        row.recipients = _merge_completion(recipients, stored)
    row.date_created = doc.date_created or row.date_created
    row.date_modified = doc.date_modified or row.date_modified
    row.date_completed = doc.date_completed
    row.last_event = event
    row.last_event_at = doc.action_date or doc.date_modified or utcnow()
    row.raw = data
    row.updated_at = utcnow()
    return True


async def apply_document_events(
    event: InboxEvent, session: AsyncSession, *, source: str = "webhook"
) -> None:
    """Upsert a `documents` row for every document notification of one delivery (runs in
    the transaction that marks the delivery processed); `source` names who found the change."""
    for note in parse_notifications(event.payload):
        doc = note.document()
        if doc is None:
            _log.debug("pandadoc.webhook_skipped", event_id=event.event_id, trigger=note.event)
            continue
        applied = await _apply(
            session, (note.event, doc, note.data), source=source, source_id=event.event_id
        )
        _log.info(
            "pandadoc.document_event_applied" if applied else "pandadoc.document_event_stale",
            event_id=event.event_id,
            trigger=note.event,
            document_id=doc.id,
            status=doc.status,
        )


def register(handlers: HandlerRegistry) -> None:
    """Register PandaDoc's handler (every event type) with the webhook dispatcher."""
    handlers.register("pandadoc", "*", apply_document_events)
