"""`/api/v1/alerts`: the alert history, manual resolve and a test notice (admin).

Listing is newest first, paginated by `before_id` (pass the answer's `next_before_id`) as
`/api/v1/webhook-events` is. A manual resolve sends the same recovery notice a cleared rule
does; `POST /test` sends a test notice through every configured channel and stores nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, func, select

from integrations.api.admin_route import AdminRoute
from integrations.api.deps import AdminPrincipal, ServicesDep
from integrations.api.schemas.errors import error_responses
from integrations.api.schemas.params import FILTER_TEXT_PATTERN, ROW_ID_MAX, Timestamp
from integrations.errors import IntegrationError
from integrations.storage.tables import AlertRow
from integrations.telemetry.alerts import AlertKind, AlertManager, alert_payload

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"], route_class=AdminRoute)
A = AlertRow
Status = Literal["open", "resolved"]
AlertId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="The alert's `id`")]


class AlertNotFoundError(IntegrationError):
    http_status = 404
    code = "not_found"


class AlertAlreadyResolvedError(IntegrationError):
    http_status = 409
    code = "conflict"


class ResolveRequest(BaseModel):
    """Why the operator closed the alert (kept in its `details.resolution`)."""

    model_config = ConfigDict(extra="forbid")

    message: Annotated[str, Field(max_length=500, pattern=FILTER_TEXT_PATTERN)] = (
        "resolved by an operator"
    )


def _filtered(
    query: Select[Any],
    status: str | None,
    integration: str | None,
    kind: str | None,
    since: dt.datetime | None,
) -> Select[Any]:
    if status:
        query = query.where(A.status == status)
    if integration:
        query = query.where(A.integration == integration)
    if kind:
        query = query.where(A.kind == kind)
    if since:
        query = query.where(A.created_at >= since)
    return query


@router.get("", summary="List alerts, newest first")
async def list_alerts(
    services: ServicesDep,
    _: AdminPrincipal,
    status: Status | None = None,
    integration: Annotated[str | None, Query(pattern=FILTER_TEXT_PATTERN, max_length=64)] = None,
    kind: AlertKind | None = None,
    since: Annotated[Timestamp | None, Query(description="created at or after")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before_id: Annotated[int | None, Query(ge=1, le=ROW_ID_MAX)] = None,
) -> dict[str, Any]:
    """Filtered by status, integration, kind and creation time; `total` counts every match."""
    query = _filtered(select(A), status, integration, kind, since)
    if before_id is not None:
        query = query.where(A.id < before_id)
    count = _filtered(select(func.count()).select_from(A), status, integration, kind, since)
    async with services.db.sessions() as session:
        rows = list(await session.scalars(query.order_by(A.id.desc()).limit(limit)))
        total = await session.scalar(count)
    return {
        "items": [alert_payload(r) for r in rows],
        "total": total,
        "next_before_id": rows[-1].id if len(rows) == limit else None,
    }


@router.get("/{alert_id:int}", summary="One alert", responses=error_responses(404))
async def get_alert(alert_id: AlertId, services: ServicesDep, _: AdminPrincipal) -> dict[str, Any]:
    """The alert with its occurrences and every channel's delivery result."""
    async with services.db.sessions() as session:
        row = await session.get(A, alert_id)
    if row is None:
        raise AlertNotFoundError(f"no alert {alert_id}")
    return alert_payload(row)


@router.post(
    "/{alert_id:int}/resolve",
    summary="Resolve an open alert by hand",
    responses=error_responses(404, 409),
)
async def resolve_alert(
    alert_id: AlertId,
    services: ServicesDep,
    principal: AdminPrincipal,
    body: ResolveRequest | None = None,
) -> dict[str, Any]:
    """Close the alert and send its recovery notice; 409 when it was already resolved."""
    message = (body or ResolveRequest()).message
    row = await AlertManager.from_services(services).resolve_by_id(
        alert_id, f"{message} ({principal})"
    )
    if row is not None:
        return alert_payload(row)
    async with services.db.sessions() as session:
        exists = await session.scalar(select(A.id).where(A.id == alert_id))
    if exists is None:
        raise AlertNotFoundError(f"no alert {alert_id}")
    raise AlertAlreadyResolvedError(f"alert {alert_id} is already resolved")


@router.post("/test", summary="Send a test notice through every configured channel")
async def send_test_alert(services: ServicesDep, _: AdminPrincipal) -> dict[str, Any]:
    """Each channel's result (`sent`, `failed`, `refused`, `unavailable`); nothing is stored."""
    results = await AlertManager.from_services(services).send_test()
    return {"channels": [r.as_dict() for r in results]}
