"""A test-only synced connector, `syncdemo`, over the tiny vendor: its client, its streams
(people → projects → todos into contacts, exchanges and tasks) and its registry entry.

Tests install them with a fixture (undone after the test); a worker subprocess imports
`demo_worker`, which calls `install()`, through `INTEGRATIONS_JOBS__MODULES`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from integrations import registry
from integrations.core.spec import CircuitSpec, ProviderSpec, RetrySpec
from integrations.storage.tables_inbound import ContactRow, ExchangeRow, TaskRow
from integrations.sync import MapContext, OffsetPaging, RecordProblem, Stream, SyncDefinition
from integrations.sync.catalog import register_definition
from tests.helpers.pipeline import DemoIntegration

NAME = "syncdemo"
PAGE = 5


class SyncDemoIntegration(DemoIntegration):
    """A live client of the tiny vendor (its `base_url` comes from the runtime config)."""

    SPEC = ProviderSpec(
        name=NAME,
        base_url="http://127.0.0.1:9",
        cache_ttl_seconds=0.0,
        retry=RetrySpec(max_attempts=3, base_seconds=0.5, cap_seconds=2.0),
        circuit=CircuitSpec(failure_threshold=50, reset_timeout_seconds=60.0),
    )


async def map_person(record: dict[str, Any], ctx: MapContext) -> dict[str, Any]:
    if record.get("email") == "bad":
        raise RecordProblem("email", "not an email address")
    return {"display_name": record["name"], "email": record.get("email"), "raw": record}


async def map_project(record: dict[str, Any], ctx: MapContext) -> dict[str, Any]:
    owner = await ctx.resolve(ContactRow, "external_id", record.get("owner"))
    if owner is None and record.get("owner"):
        ctx.problem("owner", f"no person {record['owner']}")
    return {"name": record["name"], "client_id": owner, "status": "PENDING", "pp_data": record}


async def map_todo(record: dict[str, Any], ctx: MapContext) -> dict[str, Any]:
    project = await ctx.resolve(ExchangeRow, "pp_matter_id", record.get("project"))
    return {"subject": record["title"], "exchange_id": project, "raw": record}


def _id(record: dict[str, Any]) -> str:
    return str(record["id"])


def definition(*, page: int = PAGE, batch: int = 10, max_pages: int = 50) -> SyncDefinition:
    """The demo sync; streams listed out of order (the engine orders them)."""
    paging = OffsetPaging(page_size=page)
    todos = Stream(
        "todos",
        "/v1/todos",
        TaskRow,
        "external_id",
        _id,
        map_todo,
        paging,
        depends_on=("projects",),
    )
    projects = Stream(
        "projects",
        "/v1/projects",
        ExchangeRow,
        "pp_matter_id",
        _id,
        map_project,
        paging,
        depends_on=("people",),
    )
    people = Stream("people", "/v1/people", ContactRow, "external_id", _id, map_person, paging)
    return SyncDefinition(
        NAME,
        (todos, projects, people),
        lookback_seconds=60.0,
        max_pages=max_pages,
        batch_size=batch,
    )


def connector_info() -> registry.ConnectorInfo:
    """The registry entry: the mock connector's, with this client and nothing else."""
    return dataclasses.replace(
        registry.CONNECTORS["mock"],
        name=NAME,
        client=f"{__name__}:SyncDemoIntegration",
        simulator=None,
        webhook=None,
        tools=None,
    )


def install() -> None:
    """Register the connector and its sync for the whole process (worker subprocesses)."""
    registry.CONNECTORS[NAME] = connector_info()
    register_definition(definition())
