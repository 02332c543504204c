"""`/api/v1/integrations`: the connectors, their runtime configuration and its history, and
the call settings a client of each runs with."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from integrations.api.admin_route import AdminRoute
from integrations.api.deps import AdminPrincipal, ServicesDep
from integrations.api.integration_detail import (
    CheckedUpdate,
    KnownName,
    describe_integration,
    known,
    public_view,
    validation_error,
)
from integrations.api.schemas.errors import error_responses
from integrations.effective_settings import describe
from integrations.errors import ConfigError
from integrations.factory import IntegrationFactory
from integrations.registry import built_connectors
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.storage.repositories.configs import IntegrationConfigRepository

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/integrations", tags=["integrations"], route_class=AdminRoute)
# Connectors this version has (`ConnectorInfo.built`); any other name is a 404.
Name = KnownName
NOT_FOUND = error_responses(404)
_known = known


@router.get("", summary="List connectors with their configuration")
async def list_integrations(services: ServicesDep, _: AdminPrincipal) -> dict[str, Any]:
    """Every connector this version has, with its runtime configuration (credentials as
    `set`/`unset`); registry entries for later releases are not listed."""
    return {"items": [public_view(await services.get_config(n)) for n in built_connectors()]}


@router.get(
    "/{name}", summary="One connector: configuration, call settings, health", responses=NOT_FOUND
)
async def get_integration(name: Name, services: ServicesDep, _: AdminPrincipal) -> dict[str, Any]:
    """The configuration (credentials as `set`/`unset`), the call settings in effect with
    their sources (`call_settings`, null without a client: as `integrations config show`)
    and the latest health observation (`health`, null before the first)."""
    _known(name)
    return await describe_integration(services, name)


@router.patch("/{name}", summary="Change a connector's runtime configuration", responses=NOT_FOUND)
async def update_integration(
    name: Name,
    checked: CheckedUpdate,
    update: IntegrationSettingsUpdate,
    services: ServicesDep,
    who: AdminPrincipal,
) -> dict[str, Any]:
    """Apply a partial update; the next call of the connector uses it, and history records it.

    Every invalid field is named at once in one 422 `validation_error`, the connector's
    allowed `base_url` hosts included; a connector this version does not have is a 404.
    """
    try:
        config = await services.update_config(name, checked, changed_by=who)
    except ConfigError as exc:
        raise validation_error(exc.problems or [("body", exc.message)]) from None
    return public_view(config)


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
