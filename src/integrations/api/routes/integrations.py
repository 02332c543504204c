"""`/api/v1/integrations`: the connectors, their runtime configuration and its history, and
the call settings a client of each runs with."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from integrations.api.admin_route import AdminRoute
from integrations.api.deps import AdminPrincipal, ServicesDep
from integrations.api.schemas.errors import error_responses
from integrations.effective_settings import describe
from integrations.errors import IntegrationError
from integrations.factory import IntegrationFactory
from integrations.registry import CONNECTORS
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.storage.repositories.configs import IntegrationConfigRepository

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/integrations", tags=["integrations"], route_class=AdminRoute)
# Any other name answers 404 `unknown_integration`; the schema lists the names there are.
Name = Annotated[
    str, Path(description="A connector's name", json_schema_extra={"enum": sorted(CONNECTORS)})
]
NOT_FOUND = error_responses(404)


class UnknownIntegrationError(IntegrationError):
    """No connector has this name."""

    http_status = 404
    code = "unknown_integration"


def _known(name: str) -> None:
    if name not in CONNECTORS:
        known = ", ".join(sorted(CONNECTORS))
        raise UnknownIntegrationError(f"unknown integration {name!r}; known: {known}")


def _describe(name: str, config: dict[str, Any]) -> dict[str, Any]:
    info = CONNECTORS[name]
    return {"name": name, "title": info.title, "summary": info.summary, "config": config}


@router.get("", summary="List connectors with their configuration")
async def list_integrations(services: ServicesDep, _: AdminPrincipal) -> dict[str, Any]:
    """Every known connector with its (masked) runtime configuration."""
    items = [_describe(n, (await services.get_config(n)).public()) for n in sorted(CONNECTORS)]
    return {"items": items}


@router.get("/{name}", summary="One connector and its configuration", responses=NOT_FOUND)
async def get_integration(name: Name, services: ServicesDep, _: AdminPrincipal) -> dict[str, Any]:
    """The connector's runtime configuration; credentials are masked."""
    _known(name)
    return _describe(name, (await services.get_config(name)).public())


@router.patch("/{name}", summary="Change a connector's runtime configuration", responses=NOT_FOUND)
async def update_integration(
    name: Name, update: IntegrationSettingsUpdate, services: ServicesDep, who: AdminPrincipal
) -> dict[str, Any]:
    """Apply a partial update; the next call of the connector uses it, and history records it."""
    _known(name)
    config = await services.update_config(name, update, changed_by=who)
    return _describe(name, config.public())


@router.get(
    "/{name}/settings",
    summary="The call settings in effect, with their sources",
    responses=NOT_FOUND,
)
async def effective_settings(
    name: Name, services: ServicesDep, _: AdminPrincipal
) -> dict[str, Any]:
    """Retry, breaker, rate limits, cache and timeouts of a client built from the stored
    configuration as the server builds one, each with its source; the same as
    `integrations config show NAME --json`. 404 for a connector without a client."""
    _known(name)
    factory = IntegrationFactory(services)  # its own: nothing shared, closed right after
    try:
        report = await describe(factory, name)
    finally:
        await factory.close()
    return report.to_json()


@router.get("/{name}/history", summary="Configuration change history", responses=NOT_FOUND)
async def config_history(
    name: Name,
    services: ServicesDep,
    _: AdminPrincipal,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Changes newest first: who, when, old and new values with secrets masked."""
    _known(name)
    async with services.db.sessions() as session:
        rows = await IntegrationConfigRepository(session, services.box).history(
            integration=name, limit=limit
        )
    return {
        "items": [
            {
                "version": r.version,
                "changed_by": r.changed_by,
                "changed_at": r.changed_at.isoformat(),
                "old": r.old_value,
                "new": r.new_value,
            }
            for r in rows
        ]
    }
