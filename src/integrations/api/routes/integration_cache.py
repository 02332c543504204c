"""`POST /api/v1/integrations/{name}/cache/invalidate`: drop cached vendor responses.

The response cache holds idempotent reads for their TTL (`core.cache`). After a change made
outside this service (a document edited in PandaDoc's UI, say) an operator drops them so
the next read goes to the vendor. Keys are `cache:<name>:<sha256 of the request>`; a glob
`pattern` is matched against the part after `cache:<name>:`, so no pattern can reach another
integration's entries. Both the live store (Redis when configured) and the mock-mode store
are cleared.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ConfigDict, Field

from integrations.api.admin_route import AdminRoute
from integrations.api.deps import AdminPrincipal, ServicesDep
from integrations.api.integration_detail import KnownName, known
from integrations.api.schemas.errors import error_responses
from integrations.factory import IntegrationFactory

__all__ = ["CacheInvalidation", "router"]

router = APIRouter(prefix="/api/v1/integrations", tags=["integrations"], route_class=AdminRoute)


class CacheInvalidation(BaseModel):
    """Which entries to drop: every one (no `pattern`, or `*`) or those matching a glob."""

    model_config = ConfigDict(extra="forbid")

    pattern: str = Field(
        default="*",
        min_length=1,
        max_length=200,
        pattern="^[^\\x00]*$",
        description="glob over the key after `cache:<name>:` (`*`, `?`, `[...]`)",
    )


@router.post(
    "/{name}/cache/invalidate",
    summary="Drop an integration's cached responses (all, or by pattern)",
    responses=error_responses(404),
)
async def invalidate_cache(
    name: KnownName,
    request: Request,
    services: ServicesDep,
    _: AdminPrincipal,
    body: Annotated[CacheInvalidation | None, Body()] = None,
) -> dict[str, Any]:
    """Drop the cached responses of `name` (all of them without a body); answers how many
    entries went and the pattern used."""
    known(name)
    pattern = (body or CacheInvalidation()).pattern
    factory: IntegrationFactory | None = getattr(request.app.state, "factory", None)
    if factory is None:  # the app's lifespan did not run: this process caches nothing
        factory = IntegrationFactory.for_process(services)
        try:
            deleted = await factory.invalidate_cache(name, pattern)
        finally:
            await factory.close()
    else:
        deleted = await factory.invalidate_cache(name, pattern)
    return {"integration": name, "pattern": pattern, "deleted": deleted}
