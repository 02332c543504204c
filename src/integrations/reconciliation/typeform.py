"""Typeform gap detection: responses submitted at Typeform whose webhook never reached us.

Only forms with an active webhook subscription of ours are checked: a form we do not listen
to has no webhook to lose (its responses are the sync's business). One run lists each such
form's completed responses submitted since the last check (the ledger's cursor, the newest
`submitted_at` seen, minus an overlap for responses that became visible late) or, on the
first run, since the subscription was made; the listing goes on the limiter's background
lane (`operations.list_responses`). A listed response with no `form_responses` row, or whose
row is still the partial one, is a gap: it is stored through the webhook handler itself
(`typeform.webhooks.store_form_response`, as a `form_response` delivery), so the same upsert
rules decide, and the change is recorded with source `reconciliation`.

Not covered: a response deleted at Typeform (the list no longer returns it); a webhook still
being retried by Typeform when the run lists the response is counted as a gap (storing it
twice is harmless: the late delivery changes nothing).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from integrations.logging import get_logger
from integrations.reconciliation.ledger import ReconciliationRun, read_ledger
from integrations.services import Services
from integrations.storage.tables import utcnow
from integrations.storage.tables_inbound import WebhookSubscriptionRow
from integrations.storage.tables_vendor import FormResponseRow
from integrations.typeform import operations as ops
from integrations.typeform.client import TypeformIntegration
from integrations.typeform.models import FormResponse
from integrations.typeform.webhooks import store_form_response
from integrations.webhooks.dispatch import InboxEvent

__all__ = ["OVERLAP", "reconcile_form_responses"]

OVERLAP = dt.timedelta(minutes=5)
_log = get_logger()


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _since(moment: dt.datetime) -> str:
    """Typeform's `since` (inclusive, ISO-8601 in UTC, whole seconds)."""
    return _utc(moment - OVERLAP).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def subscribed_forms(services: Services) -> dict[str, dt.datetime]:
    """Forms with an active subscription of ours, each with when it was made (the earliest
    when several tags watch one form)."""
    async with services.db.sessions() as session:
        found = await session.execute(
            select(WebhookSubscriptionRow.resource_id, WebhookSubscriptionRow.created_at).where(
                WebhookSubscriptionRow.integration == "typeform",
                WebhookSubscriptionRow.status == "active",
                WebhookSubscriptionRow.enabled.is_(True),
            )
        )
    forms: dict[str, dt.datetime] = {}
    for form_id, created in found.all():
        forms[form_id] = min(forms.get(form_id, _utc(created)), _utc(created))
    return forms


async def _stored_types(services: Services, form_id: str, tokens: list[str]) -> dict[str, str]:
    async with services.db.sessions() as session:
        found = await session.execute(
            select(FormResponseRow.token, FormResponseRow.response_type).where(
                FormResponseRow.integration == "typeform",
                FormResponseRow.form_id == form_id,
                FormResponseRow.token.in_(tokens),
            )
        )
        return {token: kind for token, kind in found.all()}


async def _heal(services: Services, form_id: str, response: FormResponse) -> None:
    form_response: dict[str, Any] = {**response.model_dump(mode="json"), "form_id": form_id}
    event = InboxEvent(
        id=0,
        integration="typeform",
        event_id=f"reconciliation:{form_id}:{response.token}",
        event_type="form_response",
        payload={
            "event_id": f"reconciliation:{form_id}:{response.token}",
            "event_type": "form_response",
            "form_response": form_response,
        },
        headers={},
        received_at=utcnow(),
        attempt=1,
    )
    async with services.db.sessions.begin() as session:
        await store_form_response(event, session, source="reconciliation")


async def reconcile_form_responses(
    services: Services, client: TypeformIntegration
) -> ReconciliationRun:
    """Compare the responses of every subscribed form since the last check with ours; store
    each one whose webhook we never processed."""
    ledger = await read_ledger(services, "typeform", "form_responses")
    cursor = dt.datetime.fromisoformat(ledger.cursor) if ledger.cursor else None
    checked, gaps, newest = 0, [], cursor
    for form_id, subscribed_at in sorted((await subscribed_forms(services)).items()):
        start = max(subscribed_at, _utc(cursor)) if cursor else subscribed_at
        listed = [item async for item in ops.iter_responses(client, form_id, since=_since(start))]
        stored = await _stored_types(services, form_id, [item.token for item in listed])
        for item in listed:
            checked += 1
            if item.submitted_at and (newest is None or _utc(item.submitted_at) > _utc(newest)):
                newest = _utc(item.submitted_at)
            if stored.get(item.token) != "completed":
                await _heal(services, form_id, item)
                gaps.append(f"{form_id}:{item.token}")
    _log.info("reconciliation.form_responses_checked", checked=checked, gaps=len(gaps))
    moved = newest.isoformat() if newest is not None and newest != cursor else None
    return ReconciliationRun("typeform", "form_responses", checked, gaps, moved)
