"""Drive the real writers (webhook handlers, a sync batch) the way production does.

Each function runs one writer in its own transaction, as the inbox dispatcher and the sync
engine do, and `row_state` reads the public columns the feed reports, so the property test can
use the tables themselves as the oracle of what changed.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy import select

from integrations.pandadoc.webhooks import apply_document_events
from integrations.storage.db import Database
from integrations.storage.tables_inbound import ContactRow
from integrations.storage.tables_vendor import DocumentRow, FormResponseRow
from integrations.sync.checkpoint import commit_batch
from integrations.sync.context import MapContext
from integrations.sync.definition import Stream
from integrations.typeform.webhooks import store_form_response
from integrations.webhooks.dispatch import InboxEvent

__all__ = ["PUBLIC", "apply_document", "apply_form", "row_state", "sync_contacts"]

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
_ids = itertools.count(1)
# The columns each entity's changes report (docs/changes.md): the oracle compares these.
PUBLIC: dict[str, tuple[str, ...]] = {
    "documents": (
        "name",
        "status",
        "recipients",
        "date_created",
        "date_modified",
        "date_completed",
        "last_event",
    ),
    "form_responses": (
        "form_id",
        "token",
        "response_type",
        "landed_at",
        "submitted_at",
        "answers",
        "hidden",
    ),
    "contacts": ("display_name",),
}
_TABLES: dict[str, Any] = {
    "documents": (DocumentRow, DocumentRow.external_id),
    "form_responses": (FormResponseRow, FormResponseRow.token),
    "contacts": (ContactRow, ContactRow.external_id),
}


def _event(integration: str, payload: Any) -> InboxEvent:
    n = next(_ids)
    return InboxEvent(n, integration, f"evt-{n}", None, payload, {}, T0, 1)


async def apply_document(
    db: Database, doc_id: str, trigger: str, status: str, minute: int, *, source: str = "webhook"
) -> None:
    """One PandaDoc notification through the webhook handler (or reconciliation's path)."""
    data = {
        "id": doc_id,
        "name": f"Doc {doc_id}",
        "status": status,
        "date_modified": (T0 + dt.timedelta(minutes=minute)).isoformat(),
    }
    async with db.sessions.begin() as session:
        await apply_document_events(
            _event("pandadoc", [{"event": trigger, "data": data}]), session, source=source
        )


async def apply_form(db: Database, token: str, partial: bool, answer: str) -> None:
    """One Typeform delivery through the webhook handler."""
    payload = {
        "event_id": f"tf-{next(_ids)}",
        "event_type": "form_response_partial" if partial else "form_response",
        "form_response": {
            "token": token,
            "form_id": "F1",
            "answers": [
                {
                    "type": "text",
                    "text": answer,
                    "field": {"id": "f1", "ref": "name", "type": "short_text"},
                }
            ],
        },
    }
    async with db.sessions.begin() as session:
        await store_form_response(_event("typeform", payload), session)


async def _map_contact(record: dict[str, Any], _context: MapContext) -> dict[str, Any]:
    return {"display_name": record["name"]}


CONTACTS = Stream(
    name="contacts",
    path="/contacts",
    table=ContactRow,
    key_column="external_id",
    external_id=lambda record: record["id"],
    map_record=_map_contact,
)


async def sync_contacts(db: Database, page: list[tuple[str, str]], run_id: int) -> None:
    """One sync page of contacts (id, name) through the engine's batch commit."""
    records = [{"id": ext, "name": name, "updated_at": T0.isoformat()} for ext, name in page]
    await commit_batch(
        db,
        "practicepanther",
        CONTACTS,
        records,
        now=T0,
        cursor=None,
        checkpoint=lambda _mark: None,
        run_id=run_id,
    )


async def row_state(db: Database, entity: str, external_id: str) -> dict[str, Any] | None:
    """The record's public columns as stored, or None when there is no row."""
    table, key = _TABLES[entity]
    async with db.sessions() as session:
        row = await session.scalar(select(table).where(key == external_id))
    return None if row is None else {name: getattr(row, name) for name in PUBLIC[entity]}
