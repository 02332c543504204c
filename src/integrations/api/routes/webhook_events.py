"""`/api/v1/webhook-events`: inspect, retry and replay stored deliveries (admin).

Times are RFC 3339 date-times with a zone, read as UTC (`api.schemas.params.Timestamp`); a
range is half-open, `[received_from, received_to)`, so an empty or reversed one matches
nothing rather than being an error the schema could not describe.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Select, func, select

from integrations.api.admin_route import AdminRoute
from integrations.api.deps import AdminPrincipal, ServicesDep, WebhooksDep
from integrations.api.schemas.errors import error_responses
from integrations.api.schemas.params import FILTER_TEXT_PATTERN, ROW_ID_MAX, Timestamp
from integrations.errors import IntegrationError
from integrations.registry import webhook_sources
from integrations.storage.tables_inbound import WebhookEventRow

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/webhook-events", tags=["webhook events"], route_class=AdminRoute)
W = WebhookEventRow
Status = Literal["pending", "processing", "processed", "dead"]
MAX_REPLAY = 100_000
# Routes take it as `{event_id:int}`: digits only, so `/replay` is never read as an id (a GET of
# it is 405, not a 422 about `event_id`).
EventId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="The event's `id`")]
FilterText = Annotated[str, Field(pattern=FILTER_TEXT_PATTERN)]


class EventNotFoundError(IntegrationError):
    http_status = 404
    code = "not_found"


class ReplayRequest(BaseModel):
    """Events received in [received_from, received_to), optionally filtered."""

    model_config = ConfigDict(extra="forbid")

    received_from: Timestamp
    received_to: Timestamp
    integration: FilterText | None = None
    status: Status | None = None
    event_type: FilterText | None = None

    @field_validator("integration")
    @classmethod
    def _receives_webhooks(cls, value: str | None) -> str | None:
        # A typo would otherwise match nothing and look like "no deliveries in that range".
        sources = webhook_sources()
        if value is not None and value not in sources:
            raise ValueError(f"{value!r} receives no webhooks; one of {', '.join(sources)}")
        return value


def _summary(row: WebhookEventRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "integration": row.integration,
        "event_id": row.event_id,
        "event_type": row.event_type,
        "status": row.status,
        "attempts": row.attempts,
        "received_at": row.received_at.isoformat(),
        "processed_at": row.processed_at.isoformat() if row.processed_at else None,
        "next_attempt_at": row.next_attempt_at.isoformat() if row.next_attempt_at else None,
        "last_error": row.last_error,
    }


@dataclass(frozen=True, slots=True)
class EventFilter:
    """The filters shared by listing and replay."""

    integration: str | None = None
    status: str | None = None
    event_type: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.integration:
            query = query.where(W.integration == self.integration)
        if self.status:
            query = query.where(W.status == self.status)
        if self.event_type:
            query = query.where(W.event_type == self.event_type)
        if self.since:
            query = query.where(W.received_at >= self.since)
        if self.until:
            query = query.where(W.received_at < self.until)
        return query


@router.get("", summary="List stored deliveries, newest first")
async def list_events(
    services: ServicesDep,
    _: AdminPrincipal,
    integration: Annotated[str | None, Query(pattern=FILTER_TEXT_PATTERN)] = None,
    status: Status | None = None,
    event_type: Annotated[str | None, Query(pattern=FILTER_TEXT_PATTERN)] = None,
    received_from: Annotated[Timestamp | None, Query()] = None,
    received_to: Annotated[Timestamp | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before_id: Annotated[int | None, Query(ge=1, le=ROW_ID_MAX)] = None,
) -> dict[str, Any]:
    """Filtered, paginated by `before_id` (pass the response's `next_before_id`)."""
    filters = EventFilter(integration, status, event_type, received_from, received_to)
    query = filters.apply(select(W))
    if before_id is not None:
        query = query.where(W.id < before_id)
    async with services.db.sessions() as session:
        rows = list(await session.scalars(query.order_by(W.id.desc()).limit(limit)))
        total = await session.scalar(filters.apply(select(func.count()).select_from(W)))
    return {
        "items": [_summary(r) for r in rows],
        "total": total,
        "next_before_id": rows[-1].id if len(rows) == limit else None,
    }


@router.get(
    "/{event_id:int}",
    summary="One delivery with payload and attempts",
    responses=error_responses(404),
)
async def get_event(event_id: EventId, services: ServicesDep, _: AdminPrincipal) -> dict[str, Any]:
    """Payload, redacted headers, signature verification status and every attempt."""
    async with services.db.sessions() as session:
        row = await session.get(W, event_id)
    if row is None:
        raise EventNotFoundError(f"no webhook event {event_id}")
    return {
        **_summary(row),
        "signature_valid": row.signature_valid,
        "headers": row.headers,
        "payload": row.body.decode("utf-8", "replace"),
        "attempt_log": row.attempt_log,
        "trace_id": row.trace_id,
    }


@router.post(
    "/{event_id:int}/retry", summary="Process one delivery again", responses=error_responses(404)
)
async def retry_event(
    event_id: EventId, services: ServicesDep, webhooks: WebhooksDep, _: AdminPrincipal
) -> dict[str, Any]:
    """Queue the event now, whatever its state (not while it is being processed)."""
    async with services.db.sessions() as session:
        if await session.get(W, event_id) is None:
            raise EventNotFoundError(f"no webhook event {event_id}")
    count = await webhooks.queue.retry_now([event_id])
    webhooks.worker.wake()
    return {"queued": count}


@router.post("/replay", summary="Process every delivery of a time range again")
async def replay_events(
    body: ReplayRequest, services: ServicesDep, webhooks: WebhooksDep, _: AdminPrincipal
) -> dict[str, Any]:
    """Queue every matching event (up to 100,000) for processing again."""
    filters = EventFilter(
        body.integration, body.status, body.event_type, body.received_from, body.received_to
    )
    query = filters.apply(select(W.id))
    async with services.db.sessions() as session:
        ids = list(await session.scalars(query.order_by(W.id).limit(MAX_REPLAY)))
    count = await webhooks.queue.retry_now(ids)
    webhooks.worker.wake()
    return {"matched": len(ids), "queued": count}
