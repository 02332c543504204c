"""`/api/v1/event-subscriptions`: where change events go (admin).

Create answers the signing secret once (generated `whsec_...` unless given); no other answer
carries it. URLs pass the alert webhook's destination rules (422 naming `url`). `POST
/{id}/replay?after=&before=` queues the matching changes in that cursor range again;
`GET /{id}/deliveries?status=dead` lists the dead letters.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from integrations.api.admin_route import AdminRoute
from integrations.api.deps import AdminPrincipal, ServicesDep
from integrations.api.schemas.errors import error_responses
from integrations.api.schemas.params import FILTER_TEXT_PATTERN, ROW_ID_MAX
from integrations.changes import delivery as _delivery  # noqa: F401 - registers the change_delivery job
from integrations.changes.delivery_queue import replay
from integrations.changes.subscriptions import (
    SubscriptionRepository,
    check_filters,
    check_secret,
    check_url,
    new_secret,
    subscription_payload,
)
from integrations.errors import IntegrationError
from integrations.storage.tables_changes import ChangeDeliveryRow, EventSubscriptionRow

__all__ = ["router"]

router = APIRouter(
    prefix="/api/v1/event-subscriptions", tags=["event-subscriptions"], route_class=AdminRoute
)
SubscriptionId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="The subscription's `id`")]
Cursor = Annotated[int, Query(ge=0, le=2**63 - 1)]
Text = Annotated[str, Field(min_length=1, max_length=200, pattern=FILTER_TEXT_PATTERN)]
Url = Annotated[str, Field(max_length=2000, pattern=r"^https?://[^\x00]+$")]
Filter = Annotated[str, Field(pattern=r"^(\*|[a-z0-9_]{1,64}):(\*|[a-z0-9_]{1,64})$")]
Filters = Annotated[list[Filter], Field(min_length=1, max_length=50)]
# `whsec_` and the padded base64 of at least 24 bytes, as `check_secret` requires.
Secret = Annotated[
    str,
    Field(
        max_length=200,
        pattern=r"^whsec_(?:[A-Za-z0-9+/]{4}){8,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$",
    ),
]


class SubscriptionNotFoundError(IntegrationError):
    http_status = 404
    code = "not_found"


class SubscriptionCreate(BaseModel):
    """A destination, the changes it wants, and optionally its own `whsec_` secret."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: Text
    url: Url
    entities: Filters
    secret: Secret | None = None


class SubscriptionUpdate(BaseModel):
    """Fields to change; `rotate_secret` answers a new generated secret once."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: Text | None = None
    url: Url | None = None
    entities: Filters | None = None
    enabled: bool | None = None
    rotate_secret: bool = False


async def _row(services: Any, session: Any, subscription_id: int) -> EventSubscriptionRow:
    row = await SubscriptionRepository(session, services.box).get(subscription_id)
    if row is None:
        raise SubscriptionNotFoundError(f"no event subscription {subscription_id}")
    return row


@router.post("", status_code=201, summary="Create a subscription", responses=error_responses(422))
async def create_subscription(
    body: SubscriptionCreate, services: ServicesDep, principal: AdminPrincipal
) -> dict[str, Any]:
    """The subscription and its `secret` (shown only here)."""
    secret = check_secret(body.secret) if body.secret is not None else new_secret()
    entities = check_filters(body.entities)
    url = await check_url(body.url, services.settings)
    async with services.db.sessions.begin() as session:
        row = await SubscriptionRepository(session, services.box).create(
            name=body.name, url=url, entities=entities, secret=secret, created_by=principal
        )
        return {**subscription_payload(row), "secret": secret}


@router.get("", summary="List subscriptions")
async def list_subscriptions(services: ServicesDep, _: AdminPrincipal) -> dict[str, Any]:
    async with services.db.sessions() as session:
        rows = await SubscriptionRepository(session, services.box).list()
    return {"items": [subscription_payload(r) for r in rows]}


@router.get("/{subscription_id:int}", summary="One subscription", responses=error_responses(404))
async def get_subscription(
    subscription_id: SubscriptionId, services: ServicesDep, _: AdminPrincipal
) -> dict[str, Any]:
    async with services.db.sessions() as session:
        return subscription_payload(await _row(services, session, subscription_id))


@router.patch(
    "/{subscription_id:int}", summary="Change a subscription", responses=error_responses(404, 422)
)
async def update_subscription(
    subscription_id: SubscriptionId,
    body: SubscriptionUpdate,
    services: ServicesDep,
    _: AdminPrincipal,
) -> dict[str, Any]:
    """The subscription (with `secret` when `rotate_secret` asked for a new one)."""
    fields: dict[str, Any] = body.model_dump(exclude_none=True, exclude={"rotate_secret"})
    if "entities" in fields:
        fields["entities"] = check_filters(fields["entities"])
    if "url" in fields:
        fields["url"] = await check_url(fields["url"], services.settings)
    secret = new_secret() if body.rotate_secret else None
    if secret is not None:
        fields["secret"] = secret
    async with services.db.sessions.begin() as session:
        row = await _row(services, session, subscription_id)
        await SubscriptionRepository(session, services.box).update(row, **fields)
        answer = subscription_payload(row)
    return {**answer, "secret": secret} if secret else answer


@router.delete(
    "/{subscription_id:int}", status_code=204, summary="Delete", responses=error_responses(404)
)
async def delete_subscription(
    subscription_id: SubscriptionId, services: ServicesDep, _: AdminPrincipal
) -> None:
    """The subscription and its deliveries go; changes stay in the feed."""
    async with services.db.sessions.begin() as session:
        row = await _row(services, session, subscription_id)
        await SubscriptionRepository(session, services.box).delete(row)


@router.post(
    "/{subscription_id:int}/replay",
    summary="Queue a cursor range again",
    responses=error_responses(404),
)
async def replay_subscription(
    subscription_id: SubscriptionId,
    services: ServicesDep,
    _: AdminPrincipal,
    after: Cursor = 0,
    before: Cursor | None = None,
) -> dict[str, Any]:
    """Every matching change with `after < cursor <= before` is sent again, in order."""
    async with services.db.sessions.begin() as session:
        row = await _row(services, session, subscription_id)
        pending = await replay(
            session, row, after=after, before=before, now=dt.datetime.now(dt.UTC)
        )
    return {"subscription_id": subscription_id, "pending": pending}


@router.get(
    "/{subscription_id:int}/deliveries",
    summary="Deliveries (dead letters with status=dead)",
    responses=error_responses(404),
)
async def list_deliveries(
    subscription_id: SubscriptionId,
    services: ServicesDep,
    _: AdminPrincipal,
    status: Literal["pending", "delivered", "dead"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Oldest change first: cursor, entity, attempts, last answer and error."""
    D = ChangeDeliveryRow
    query = select(D).where(D.subscription_id == subscription_id)
    if status:
        query = query.where(D.status == status)
    async with services.db.sessions() as session:
        await _row(services, session, subscription_id)
        rows = list(await session.scalars(query.order_by(D.change_id).limit(limit)))
    return {
        "items": [
            {
                "change_id": r.change_id,
                "entity_key": r.entity_key,
                "status": r.status,
                "attempts": r.attempts,
                "last_status": r.last_status,
                "last_error": r.last_error,
                "delivered_at": r.delivered_at.isoformat() if r.delivered_at else None,
            }
            for r in rows
        ]
    }
