"""One declared operation as an MCP tool: its listing, and one call turned into a result.

Every failure an agent can cause or meet comes back as a tool error (`isError: true`) with our
code and message in both the text content and `structuredContent.error`, so the agent can read
and correct it: invalid arguments name the fields, a disabled integration, a write not
allow-listed or a spent budget says so (the budget with its retry time), a vendor failure
carries its `IntegrationError.to_dict()`. An unexpected exception is logged with its
traceback on the server and reaches the agent only as a generic message with the trace id,
never its text (which might hold a secret or a vendor body).

Each call is logged once (`mcp.tool_called`) with its trace id, the caller, the outcome and
whether it was a dry run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import mcp_types as types

from integrations.actions.declaration import OperationSpec
from integrations.actions.runner import run_action
from integrations.errors import IntegrationError
from integrations.factory import IntegrationFactory
from integrations.logging import bind_trace_id, get_logger, redact
from integrations.mcp.guard import ToolPolicy

__all__ = ["DRY_RUN_ARGUMENT", "ToolAdapter", "error_result", "success_result", "tool_definition"]

DRY_RUN_ARGUMENT = "dry_run"
_DRY_RUN_SCHEMA = {
    "type": "boolean",
    "default": False,
    "description": "validate and return the request that would be sent, sending nothing",
}
_log = get_logger()


def input_schema(spec: OperationSpec) -> dict[str, Any]:
    """The input model's JSON schema; a write's also takes `dry_run`."""
    schema: dict[str, Any] = spec.input_model.model_json_schema()
    if spec.writes:
        schema = {**schema, "properties": {**schema.get("properties", {})}}
        schema["properties"][DRY_RUN_ARGUMENT] = _DRY_RUN_SCHEMA
    return schema


def tool_definition(spec: OperationSpec) -> types.Tool:
    """The MCP listing of `spec`: name, one-line description, JSON input schema, hints.

    Read tools say `readOnlyHint: true`; write tools say `readOnlyHint: false` and
    `destructiveHint: true` (the conservative reading of "changes data at the vendor"), so a
    client can ask a human before running them.
    """
    annotations = types.ToolAnnotations(
        read_only_hint=not spec.writes,
        destructive_hint=spec.writes,
        open_world_hint=True,  # every tool talks to a vendor outside this server
    )
    return types.Tool(
        name=spec.name,
        description=spec.description,
        input_schema=input_schema(spec),
        annotations=annotations,
    )


def success_result(data: Any) -> types.CallToolResult:
    """A successful result: JSON data as structured content and as JSON text."""
    structured = data if isinstance(data, dict) else {"result": data}
    text = json.dumps(data, ensure_ascii=False, default=str)
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)], structured_content=structured
    )


def error_result(error: dict[str, Any]) -> types.CallToolResult:
    """A tool error: `{"code", "message", ...}` as text and as `structuredContent.error`."""
    safe = redact(error)
    text = f"{safe['code']}: {safe['message']}"
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)],
        structured_content={"error": safe},
        is_error=True,
    )


def _refused_write(spec: OperationSpec) -> dict[str, Any]:
    pattern = f"{spec.integration}:{spec.action}"
    return {
        "code": "write_not_allowed",
        "message": (
            f"{spec.name} changes data at {spec.integration} and is not allowed on this "
            f"server: add {pattern!r} to INTEGRATIONS_MCP__ALLOW_WRITES to allow it, or call "
            "it with dry_run=true to see the request it would send"
        ),
        "integration": spec.integration,
        "action": spec.action,
    }


@dataclass(frozen=True, slots=True)
class ToolAdapter:
    """Runs one tool: budget, guard writes, validate, run (or dry-run), convert.

    Args:
        spec: the operation.
        factory: hands out the client of `spec.integration` for its current configuration.
        policy: the write allow-list and the per-client budgets.
    """

    spec: OperationSpec
    factory: IntegrationFactory
    policy: ToolPolicy

    async def call(
        self, arguments: dict[str, Any] | None, caller: str = "unknown"
    ) -> types.CallToolResult:
        """Run the tool with `arguments` for `caller`; every failure is a tool error."""
        with bind_trace_id() as trace_id:
            result, outcome, dry = await self._call(dict(arguments or {}), caller, trace_id)
            _log.info(
                "mcp.tool_called",
                tool=self.spec.name,
                integration=self.spec.integration,
                caller=caller,
                trace_id=trace_id,
                writes=self.spec.writes,
                dry_run=dry,
                outcome=outcome,
            )
            return result

    async def _call(
        self, arguments: dict[str, Any], caller: str, trace_id: str
    ) -> tuple[types.CallToolResult, str, bool]:
        spec = self.spec
        over = await self.policy.spend(caller)
        if over is not None:
            return self._over_budget(over.limit, over.retry_after, over.retry_at), "budget", False
        dry = bool(arguments.pop(DRY_RUN_ARGUMENT, False)) if spec.writes else False
        if not dry and not self.policy.may_write(spec):
            return error_result(_refused_write(spec)), "write_not_allowed", False
        try:
            data = await run_action(spec, self.factory, arguments, dry_run_write=dry)
            return success_result(data), "ok", dry
        except IntegrationError as exc:
            return error_result({**exc.to_dict(), "trace_id": trace_id}), exc.code, dry
        except Exception:
            _log.exception("mcp.tool_crashed", tool=spec.name, integration=spec.integration)
            error = {
                "code": "internal_error",
                "message": (
                    f"{spec.name} failed unexpectedly; the server log has the details "
                    f"under trace id {trace_id}"
                ),
                "integration": spec.integration,
                "trace_id": trace_id,
            }
            return error_result(error), "internal_error", dry

    def _over_budget(self, limit: int, wait: float, retry_at: Any) -> types.CallToolResult:
        return error_result(
            {
                "code": "client_rate_limited",
                "message": (
                    f"this client has used its {limit} tool calls per minute "
                    f"(INTEGRATIONS_MCP__CALLS_PER_MINUTE); retry in {wait:.1f} s"
                ),
                "retry_after": wait,
                "retry_at": retry_at.isoformat(),
            }
        )
