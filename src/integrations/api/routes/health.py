"""`/healthz`: is the database reachable and at the newest migration?"""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import select, text

from integrations import __version__
from integrations.api.deps import ServicesDep
from integrations.storage.migrate import current_revision, head_revision
from integrations.storage.tables import IntegrationConfigRow

__all__ = ["router"]

router = APIRouter(tags=["health"])

_DB_TIMEOUT_S = 5.0


async def _mock_mode(services: ServicesDep) -> list[str]:
    """Enabled integrations whose calls go to a simulator instead of the vendor."""
    async with services.db.sessions() as session:
        rows = await session.scalars(
            select(IntegrationConfigRow.integration).where(
                IntegrationConfigRow.mode == "mock", IntegrationConfigRow.enabled.is_(True)
            )
        )
        return sorted(rows)


@router.get("/healthz", summary="Liveness and readiness")
async def healthz(services: ServicesDep) -> JSONResponse:
    """200 when the database answers and its schema is at the shipped head, else 503.

    `mock_mode` lists enabled integrations that talk to simulators, not vendors.
    """
    body: dict[str, Any] = {"status": "ok", "version": __version__}
    head = head_revision()
    try:
        with anyio.fail_after(_DB_TIMEOUT_S):
            async with services.db.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            current = await current_revision(services.db.engine)
            body["mock_mode"] = await _mock_mode(services) if current == head else []
        body["database"] = "ok"
    except Exception as exc:
        body.update(status="error", database=f"unreachable ({type(exc).__name__})")
        return JSONResponse(body, status_code=503)
    body["migration"] = {"current": current, "head": head}
    if current != head:
        body["status"] = "error"
        return JSONResponse(body, status_code=503)
    return JSONResponse(body)
