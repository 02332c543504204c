"""Typeform deliveries after verification: `form_response` events become stored responses.

A stored response that changes appends a `form_responses` change in the same transaction
(keyed `<form_id>:<token>`); a repeated delivery or a late partial one appends nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from integrations.changes import record_change
from integrations.changes.snapshot import changed_fields, public_fields
from integrations.storage.tables import utcnow
from integrations.storage.tables_vendor import FormResponseRow
from integrations.typeform.models import FormResponseEvent
from integrations.webhooks.dispatch import HandlerRegistry, InboxEvent

__all__ = ["register", "store_form_response"]

# The columns a change reports (the feed's `data` and `changed_fields`).
_PUBLIC = ("form_id", "token", "response_type", "landed_at", "submitted_at", "answers", "hidden")


def _snapshot(row: FormResponseRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in _PUBLIC}


async def store_form_response(
    event: InboxEvent, session: AsyncSession, *, source: str = "webhook"
) -> None:
    """Upsert the response by (form, token): a partial response is completed later, and a
    partial one arriving late (a retried delivery) never overwrites the completed one.
    `source` names who found the response (a webhook, or reconciliation)."""
    parsed = FormResponseEvent.model_validate(event.payload)
    response = parsed.form_response
    partial = parsed.event_type.endswith("partial")
    key = {"integration": "typeform", "form_id": response.form_id or "", "token": response.token}
    # Claim the row first: deliveries of one response handled at the same time (a partial and
    # its completion) then wait for each other instead of both inserting and one failing.
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    inserted = await session.execute(
        insert(FormResponseRow)
        .values(**key, response_type="partial" if partial else "completed", received_at=utcnow())
        .on_conflict_do_nothing(index_elements=list(key))
        .returning(FormResponseRow.id)  # a row only when this insert made it
    )
    row = await session.scalar(
        select(FormResponseRow)
        .where(*(getattr(FormResponseRow, name) == value for name, value in key.items()))
        .with_for_update()
    )
    if row is None:  # pragma: no cover - the insert above guarantees it
        raise LookupError(f"form response {response.token} vanished")
    if partial and row.response_type == "completed":
        return
    created = inserted.first() is not None
    before = None if created else _snapshot(row)
    row.response_type = "partial" if partial else "completed"
    row.landed_at = response.landed_at
    row.submitted_at = response.submitted_at
    row.answers = response.answers_by_ref()
    row.hidden = response.hidden
    row.event_id = parsed.event_id
    row.raw = event.payload
    row.received_at = utcnow()
    after = _snapshot(row)
    fields = changed_fields(before, after)
    if fields:
        await record_change(
            session,
            integration="typeform",
            entity="form_responses",
            external_id=f"{row.form_id}:{row.token}",
            kind="created" if created else "updated",
            changed_fields=fields,
            source=source,
            source_id=parsed.event_id,
            data=public_fields(after),
        )


def register(handlers: HandlerRegistry) -> None:
    """Register Typeform's handlers with the webhook dispatcher."""
    handlers.register("typeform", "form_response", store_form_response)
    handlers.register("typeform", "form_response_partial", store_form_response)
