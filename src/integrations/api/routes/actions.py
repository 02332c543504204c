"""`/api/v1/integrations/{name}/actions`: every declared operation of a connector, callable.

The list shows each operation's input and output JSON schemas, whether it writes, its cost
and an example input; `POST .../actions/{action}` runs one with the JSON body as its input
(validated: a 422 names each invalid field) and answers the operation's output as JSON. A
vendor failure is the API's error body (code, message, retry time where there is one, trace
id). A write given `?dry_run=true` (or `"dry_run": true` in the body) answers the request it
would send, secrets masked, and sends nothing. Operations are declared once
(`integrations.actions`): `integrations call` and the MCP tools run the same ones.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request

from integrations.actions.catalog import (
    UnknownActionError,
    actions_of,
    collect_actions,
    describe_action,
    get_action,
)
from integrations.actions.declaration import OperationSpec
from integrations.actions.runner import run_action
from integrations.api.admin_route import AdminRoute
from integrations.api.deps import AdminPrincipal, get_factory
from integrations.api.schemas.errors import error_responses
from integrations.logging import get_logger

__all__ = ["router"]

router = APIRouter(
    prefix="/api/v1/integrations", tags=["integrations", "actions"], route_class=AdminRoute
)
_WITH_ACTIONS = sorted({s.integration for s in collect_actions()})
Name = Annotated[
    str,
    Path(
        description="A connector that declares actions",
        json_schema_extra={"enum": _WITH_ACTIONS},
    ),
]
Action = Annotated[str, Path(description="The action's name", pattern=r"^[a-z][a-z0-9_]{0,63}$")]
_log = get_logger()


def _actions(name: str) -> dict[str, OperationSpec]:
    found = actions_of(name)
    if not found:
        known = ", ".join(_WITH_ACTIONS)
        raise UnknownActionError(
            f"{name!r} declares no actions; connectors with actions: {known}", integration=name
        )
    return found


@router.get(
    "/{name}/actions",
    summary="A connector's actions and their schemas",
    responses=error_responses(404),
)
async def list_actions(name: Name, _: AdminPrincipal) -> dict[str, Any]:
    """Every operation `name` declares, with input and output JSON schemas, whether it
    writes, its cost per call and an example input."""
    return {"integration": name, "items": [describe_action(s) for s in _actions(name).values()]}


@router.post(
    "/{name}/actions/{action}",
    summary="Run one action",
    responses=error_responses(404, 409, 422, 503),
)
async def call_action(
    name: Name,
    action: Action,
    request: Request,
    who: AdminPrincipal,
    body: Annotated[dict[str, Any] | None, Body(description="the action's input")] = None,
    dry_run: Annotated[
        bool, Query(description="a write: answer the request it would send, sending nothing")
    ] = False,
) -> Any:
    """Validate the body against the action's input model, run it through the process's
    client of `name`, and answer its output (or, dry run, the request a write would send)."""
    _actions(name)
    spec = get_action(name, action)
    arguments = dict(body or {})
    dry = bool(arguments.pop("dry_run", False)) or dry_run
    factory = get_factory(request)
    _log.info("actions.called", integration=name, action=action, caller=who, dry_run=dry)
    return await run_action(spec, factory, arguments, dry_run_write=dry)
