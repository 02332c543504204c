"""`/api/v1/integrations/{name}/health`: check one integration now, and read its history.

A check runs through the process's own factory (the lifespan's `app.state.factory`), so it
shares breaker, budget and call records with real calls and is stored and alerted on like
the periodic check. The statuses and their rule are in `telemetry.health_rules`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import func, select

from integrations.api.admin_route import AdminRoute
from integrations.api.deps import AdminPrincipal, ServicesDep
from integrations.api.routes.integrations import NOT_FOUND, Name, _known
from integrations.api.schemas.params import ROW_ID_MAX, Timestamp
from integrations.factory import IntegrationFactory
from integrations.registry import CONNECTORS
from integrations.services import Services
from integrations.storage.tables import HealthRow
from integrations.telemetry.alerts import AlertManager
from integrations.telemetry.health import normalise_status
from integrations.telemetry.health_monitor import HealthMonitor

__all__ = ["health_history_item", "router"]

router = APIRouter(prefix="/api/v1/integrations", tags=["health"], route_class=AdminRoute)
Source = Literal["check", "circuit"]


async def _monitor(request: Request, services: ServicesDep) -> AsyncIterator[HealthMonitor]:
    """A monitor over the process factory; without a lifespan (an app embedded in a test), a
    throwaway factory closed after the request, as `GET .../settings` uses."""
    factory: IntegrationFactory | None = getattr(request.app.state, "factory", None)
    own = factory is None
    factory = factory or IntegrationFactory(services)
    try:
        yield HealthMonitor(services, factory, AlertManager.from_services(services))
    finally:
        if own:
            await factory.close()


MonitorDep = Annotated[HealthMonitor, Depends(_monitor)]


@router.get("/{name}/health", summary="Check one integration now", responses=NOT_FOUND)
async def check_integration(name: Name, monitor: MonitorDep, _: AdminPrincipal) -> dict[str, Any]:
    """Run its health check now, store it in the history, open or close its incidents, and
    answer its status (`healthy`, `degraded`, `unhealthy`, `unknown` or `disabled`) with
    every reason. A disabled integration is not called."""
    _known(name)
    report = await monitor.check_and_record(name)
    return report.as_dict()


def health_history_item(row: HealthRow) -> dict[str, Any]:
    """One stored observation; statuses written before `down` became `unhealthy` read as
    today's."""
    details = row.details or {}
    return {
        "id": row.id,
        "integration": row.integration,
        "status": normalise_status(row.status),
        "source": row.source,
        "circuit_state": row.circuit_state,
        "latency_ms": row.latency_ms,
        "message": row.message,
        "reasons": list(details.get("reasons", [])),
        "details": details,
        "checked_at": row.checked_at.isoformat(),
    }


@router.get("/{name}/health/history", summary="Stored health observations", responses=NOT_FOUND)
async def health_history(
    name: Name,
    services: ServicesDep,
    _: AdminPrincipal,
    since: Annotated[Timestamp | None, Query(description="from this time (inclusive)")] = None,
    until: Annotated[Timestamp | None, Query(description="before this time")] = None,
    source: Annotated[Source | None, Query(description="checks or breaker changes")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before_id: Annotated[int | None, Query(ge=1, le=ROW_ID_MAX)] = None,
) -> dict[str, Any]:
    """Newest first, paginated by `before_id` (pass the answer's `next_before_id`)."""
    _known(name)
    rows, total = await _history(services, name, since, until, source, limit, before_id)
    return {
        "items": [health_history_item(r) for r in rows],
        "total": total,
        "next_before_id": rows[-1].id if len(rows) == limit else None,
    }


async def _history(
    services: Services,
    name: str,
    since: dt.datetime | None,
    until: dt.datetime | None,
    source: str | None,
    limit: int,
    before_id: int | None,
) -> tuple[list[HealthRow], int]:
    conditions = [HealthRow.integration == name]
    if since is not None:
        conditions.append(HealthRow.checked_at >= since)
    if until is not None:
        conditions.append(HealthRow.checked_at < until)
    if source is not None:
        conditions.append(HealthRow.source == source)
    page = select(HealthRow).where(*conditions)
    if before_id is not None:
        page = page.where(HealthRow.id < before_id)
    async with services.db.sessions() as session:
        rows = list(await session.scalars(page.order_by(HealthRow.id.desc()).limit(limit)))
        total = await session.scalar(select(func.count()).select_from(HealthRow).where(*conditions))
    return rows, int(total or 0)


async def latest_statuses(services: Services) -> list[dict[str, Any]]:
    """Every known integration with its newest stored observation (none: `unknown`);
    a disabled one is `disabled` whatever was last seen. What `/api/v1/health` lists."""
    newest = select(func.max(HealthRow.id)).group_by(HealthRow.integration)
    async with services.db.sessions() as session:
        rows = {r.integration: r for r in await session.scalars(
            select(HealthRow).where(HealthRow.id.in_(newest)))}  # fmt: skip
    out = []
    for name in sorted(CONNECTORS):
        config = await services.get_config(name)
        row = rows.get(name)
        item = health_history_item(row) if row is not None else None
        status = item["status"] if item else "unknown"
        out.append(
            {
                "integration": name,
                "enabled": config.settings.enabled,
                "mode": config.settings.mode,
                "status": status if config.settings.enabled else "disabled",
                "reasons": item["reasons"] if item else [],
                "checked_at": item["checked_at"] if item else None,
                "source": item["source"] if item else None,
                "circuit_state": item["circuit_state"] if item else None,
                "latency_ms": item["latency_ms"] if item else None,
            }
        )
    return out
