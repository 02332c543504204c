"""What `/api/v1/integrations/{name}` answers, and how its PATCH is checked.

- Only connectors this version has (`ConnectorInfo.built`) are known; any other name, an entry
  kept for a later release included, is a 404 `unknown_integration` listing the known ones.
- The detail joins the registry entry, the runtime configuration with each credential shown
  as `set` or `unset` (never its value), the call settings in effect (what
  `integrations config show` prints), and the latest `integration_health` row.
- A PATCH body is checked in one pass: every field the model refuses and a `base_url` whose
  host the connector does not allow come back together, as one 422 `validation_error`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy import select

from integrations.connector_specs import connector_spec
from integrations.core.request_safety import check_base_url
from integrations.effective_settings import NoCallSettingsError, describe
from integrations.errors import ConfigError, IntegrationError
from integrations.factory import IntegrationFactory
from integrations.registry import CONNECTORS, built_connectors
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.storage.repositories.configs import IntegrationConfig
from integrations.storage.tables import HealthRow

__all__ = [
    "CheckedUpdate",
    "KnownName",
    "UnknownIntegrationError",
    "describe_integration",
    "known",
    "public_view",
    "validation_error",
]


class UnknownIntegrationError(IntegrationError):
    """No connector of this version has this name."""

    http_status = 404
    code = "unknown_integration"


def known(name: str) -> str:
    """`name` when this version has that connector; UnknownIntegrationError otherwise."""
    info = CONNECTORS.get(name)
    if info is None or not info.built:
        raise UnknownIntegrationError(
            f"unknown integration {name!r}; known: {', '.join(built_connectors())}"
        )
    return name


# Any other name answers 404 `unknown_integration`; the schema lists the names there are.
KnownName = Annotated[
    str, Path(description="A connector's name", json_schema_extra={"enum": built_connectors()})
]


def validation_error(problems: list[tuple[str, str]]) -> RequestValidationError:
    """One 422 `validation_error` naming every (field, reason) of the body."""
    return RequestValidationError(
        [
            {"type": "value_error", "loc": ("body", *field.split(".")), "msg": why, "input": None}
            for field, why in problems
        ]
    )


async def _checked_update(name: KnownName, request: Request) -> IntegrationSettingsUpdate:
    """The PATCH body, validated with the connector's allowed hosts in one pass.

    Runs before FastAPI validates the body parameter (dependencies come first), so a body
    with several problems is refused once, naming all of them; FastAPI's own validation then
    sees only bodies that pass.
    """
    known(name)
    raw: Any = json.loads(await request.body() or b"null")
    errors: list[dict[str, Any]] = []
    update: IntegrationSettingsUpdate | None = None
    try:
        update = IntegrationSettingsUpdate.model_validate(raw)
    except ValidationError as exc:
        errors = [
            {"type": e["type"], "loc": ("body", *e["loc"]), "msg": e["msg"], "input": None}
            for e in exc.errors(include_url=False)
        ]
    base_url = raw.get("base_url") if isinstance(raw, dict) else None
    if isinstance(base_url, str) and not any(e["loc"][1:2] == ("base_url",) for e in errors):
        spec = connector_spec(CONNECTORS[name])
        try:
            check_base_url(
                base_url, integration=name, allowed_hosts=spec.allowed_hosts if spec else ()
            )
        except ConfigError as exc:
            errors += validation_error(exc.problems).errors()
    if errors or update is None:
        raise RequestValidationError(errors)
    return update


CheckedUpdate = Annotated[IntegrationSettingsUpdate, Depends(_checked_update)]


def _credentials(name: str, stored: dict[str, Any]) -> dict[str, str]:
    """Each credential the connector reads or the operator stored: `set` or `unset`."""
    info = CONNECTORS[name]
    spec = connector_spec(info)
    expected = {spec.auth.credential} if spec is not None else set()
    if info.webhook is not None:
        expected.add("webhook_secret")
    return {key: "set" if stored.get(key) else "unset" for key in sorted(expected | set(stored))}


async def _latest_health(services: Services, name: str) -> dict[str, Any] | None:
    query = (
        select(HealthRow)
        .where(HealthRow.integration == name)
        .order_by(HealthRow.checked_at.desc(), HealthRow.id.desc())
        .limit(1)
    )
    async with services.db.sessions() as session:
        row = await session.scalar(query)
    if row is None:
        return None
    return {
        "status": row.status,
        "source": row.source,
        "circuit_state": row.circuit_state,
        "latency_ms": row.latency_ms,
        "message": row.message,
        "checked_at": row.checked_at.isoformat(),
    }


async def _call_settings(services: Services, name: str) -> dict[str, Any] | None:
    """The effective call settings, as `config show --json`; None without a client."""
    factory = IntegrationFactory(services)  # its own: nothing shared, closed right after
    try:
        return (await describe(factory, name)).to_json()
    except NoCallSettingsError:
        return None
    finally:
        await factory.close()


def public_view(config: IntegrationConfig) -> dict[str, Any]:
    """`name`, `title`, `summary` and the configuration, credentials as `set`/`unset`."""
    info = CONNECTORS[config.integration]
    view = config.public()
    view["credentials"] = _credentials(config.integration, config.credentials)
    return {"name": info.name, "title": info.title, "summary": info.summary, "config": view}


async def describe_integration(services: Services, name: str) -> dict[str, Any]:
    """The detail of one known connector (module docstring)."""
    return {
        **public_view(await services.get_config(name)),
        "call_settings": await _call_settings(services, name),
        "health": await _latest_health(services, name),
    }
