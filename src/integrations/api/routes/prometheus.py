"""`GET /metrics`: the Prometheus scrape endpoint.

A scraper holds `INTEGRATIONS_METRICS__SCRAPE_TOKEN` (it grants this endpoint and nothing
else), or any admin token. The series, their labels and where each comes from are in the
README ("Prometheus metrics"); `telemetry.prometheus` builds them at scrape time.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import CONTENT_TYPE_LATEST

from integrations.api.deps import ServicesDep, bearer_credentials, require_admin
from integrations.api.schemas.errors import error_responses
from integrations.factory import IntegrationFactory
from integrations.services import Services
from integrations.telemetry.prometheus import gather, render

__all__ = ["router"]

router = APIRouter(tags=["metrics"])
_TEXT = {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "Series"}


async def scraper(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_credentials)],
) -> str:
    """`scraper` for the scrape token, the admin identity for an admin token; else 401."""
    token = services.settings.metrics.scrape_token
    if (
        token is not None
        and credentials is not None
        and credentials.scheme.lower() == "bearer"
        and hmac.compare_digest(credentials.credentials.encode(), token.get_secret_value().encode())
    ):
        return "scraper"
    return await require_admin(services, credentials)


async def _snapshot_text(request: Request, services: Services) -> bytes:
    factory: IntegrationFactory | None = getattr(request.app.state, "factory", None)
    if factory is not None:
        return render(await gather(services, factory))
    # No lifespan (an app embedded in a test): no process counters to show, gauges only.
    throwaway = IntegrationFactory(services)
    try:
        return render(await gather(services, throwaway))
    finally:
        await throwaway.close()


@router.get(
    "/metrics",
    summary="Prometheus metrics (scrape token or admin token)",
    response_class=Response,
    responses={200: _TEXT, **error_responses(401)},
)
async def metrics(
    request: Request, services: ServicesDep, _: Annotated[str, Depends(scraper)]
) -> Response:
    """Every series in the Prometheus text format, read now."""
    return Response(await _snapshot_text(request, services), media_type=CONTENT_TYPE_LATEST)
