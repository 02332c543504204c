"""Health: is the database reachable and at the newest migration?

`/healthz` is public and says only whether this instance can serve (and, if not, which part
failed), for load balancers and uptime checks. The version, the database's error, the
migration revisions and the integrations running in mock mode describe the deployment to
whoever asks, so they are in `/api/v1/health`, behind the admin token.
"""

from __future__ import annotations

import anyio
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import select

from integrations import __version__
from integrations.api.admin_route import AdminRoute
from integrations.api.deps import AdminPrincipal, ServicesDep
from integrations.api.routes.integration_health import latest_statuses
from integrations.api.schemas.errors import ErrorBody
from integrations.api.schemas.health import (
    HealthReport,
    IntegrationStatus,
    MigrationState,
    PublicHealth,
)
from integrations.services import Services
from integrations.storage.availability import DatabaseUnavailableError
from integrations.storage.migrate import current_revision, head_revision
from integrations.storage.tables import IntegrationConfigRow

__all__ = ["admin_router", "router"]

router = APIRouter(tags=["health"])
admin_router = APIRouter(prefix="/api/v1", tags=["health"], route_class=AdminRoute)

_DB_TIMEOUT_S = 5.0


async def _mock_mode(services: Services) -> list[str]:
    """Enabled integrations whose calls go to a simulator instead of the vendor."""
    async with services.db.sessions() as session:
        rows = await session.scalars(
            select(IntegrationConfigRow.integration).where(
                IntegrationConfigRow.mode == "mock", IntegrationConfigRow.enabled.is_(True)
            )
        )
        return sorted(rows)


async def _report(services: Services) -> HealthReport:
    """`ok` when the database answers and its schema is at the shipped head."""
    report = HealthReport(status="error", version=__version__, database="ok")
    head = head_revision()
    try:
        await services.db.ping()  # bounded even on a stalled server; says why it failed
        with anyio.fail_after(_DB_TIMEOUT_S):
            current = await current_revision(services.db.engine)
            report.mock_mode = await _mock_mode(services) if current == head else []
    except DatabaseUnavailableError as exc:
        report.database = exc.message
        return report
    except Exception as exc:
        report.database = f"unreachable ({type(exc).__name__})"
        return report
    report.migration = MigrationState(current=current, head=head)
    if current == head:
        report.status = "ok"
    return report


def _public(report: HealthReport) -> PublicHealth:
    if report.status == "ok":
        return PublicHealth(status="ok")
    reason = "database_unavailable" if report.database != "ok" else "migration_behind"
    return PublicHealth(status="error", reason=reason)


def _answer(body: PublicHealth | HealthReport) -> JSONResponse:
    content = body.model_dump(mode="json", exclude_none=isinstance(body, PublicHealth))
    return JSONResponse(content, status_code=200 if body.status == "ok" else 503)


@router.get(
    "/healthz",
    summary="Readiness (public, status only)",
    response_model=PublicHealth,
    responses={503: {"model": PublicHealth, "description": "Not ready: see `reason`"}},
)
async def healthz(services: ServicesDep) -> JSONResponse:
    """200 `{"status": "ok"}` when the database answers and its schema is at the shipped
    head; else 503 with `reason`. The details are in `/api/v1/health` (admin)."""
    return _answer(_public(await _report(services)))


@admin_router.get(
    "/health",
    summary="Readiness with its details (admin)",
    response_model=HealthReport,
    # A stored token is checked in the database, so an outage can also refuse the caller.
    responses={
        503: {
            "model": HealthReport | ErrorBody,
            "description": "Not ready (see `database`), or the token could not be checked",
        }
    },
)
async def health(services: ServicesDep, _: AdminPrincipal) -> JSONResponse:
    """The version, the database (`ok` or why not), the migration revisions, the
    integrations in mock mode and every integration's newest health status (stored checks
    and breaker changes; none yet: `unknown`); 503 when not ready, as `/healthz`."""
    report = await _report(services)
    if report.status == "ok":  # not on /healthz: probes need only the database's answer
        statuses = await latest_statuses(services)
        report.integrations = [IntegrationStatus.model_validate(s) for s in statuses]
    return _answer(report)
