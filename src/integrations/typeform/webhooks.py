"""Typeform deliveries after verification: `form_response` events become stored responses."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from integrations.storage.tables import utcnow
from integrations.storage.tables_vendor import FormResponseRow
from integrations.typeform.models import FormResponseEvent
from integrations.webhooks.dispatch import HandlerRegistry, InboxEvent

__all__ = ["register", "store_form_response"]


async def store_form_response(event: InboxEvent, session: AsyncSession) -> None:
    """Upsert the response by (form, token): a partial response is completed later."""
    parsed = FormResponseEvent.model_validate(event.payload)
    response = parsed.form_response
    form_id = response.form_id or ""
    row = await session.scalar(
        select(FormResponseRow).where(
            FormResponseRow.integration == "typeform",
            FormResponseRow.form_id == form_id,
            FormResponseRow.token == response.token,
        )
    )
    if row is None:
        row = FormResponseRow(integration="typeform", form_id=form_id, token=response.token)
        session.add(row)
    row.response_type = "partial" if parsed.event_type.endswith("partial") else "completed"
    row.landed_at = response.landed_at
    row.submitted_at = response.submitted_at
    row.answers = response.answers_by_ref()
    row.hidden = response.hidden
    row.event_id = parsed.event_id
    row.raw = event.payload
    row.received_at = utcnow()


def register(handlers: HandlerRegistry) -> None:
    """Register Typeform's handlers with the webhook dispatcher."""
    handlers.register("typeform", "form_response", store_form_response)
    handlers.register("typeform", "form_response_partial", store_form_response)
