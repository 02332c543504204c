"""One `ToolSpec` as an MCP tool: its listing, and one call turned into a `CallToolResult`.

Every failure an agent can cause or meet comes back as a tool error (`isError: true`) with our
code and message in both the text content and `structuredContent.error`, so the agent can read
and correct it: invalid arguments name the fields, a disabled integration or a refused write
says so, a vendor failure carries its `IntegrationError.to_dict()`. An unexpected exception is
logged with its traceback on the server and reaches the agent only as a generic message with
the trace id, never its text (which might hold a secret or a vendor body).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from pydantic import BaseModel, ValidationError

from integrations.errors import IntegrationError
from integrations.factory import IntegrationFactory
from integrations.logging import bind_trace_id, get_logger, redact
from integrations.mcp.tools import ToolSpec

__all__ = ["ToolAdapter", "error_result", "success_result", "tool_definition"]

_log = get_logger()


def tool_definition(spec: ToolSpec) -> types.Tool:
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
        input_schema=spec.input_model.model_json_schema(),
        annotations=annotations,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def success_result(value: Any) -> types.CallToolResult:
    """A successful result: the data as structured content and as JSON text."""
    data = _jsonable(value)
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


def _invalid_arguments(spec: ToolSpec, exc: ValidationError) -> dict[str, Any]:
    # Field names and reasons only: the rejected values are the caller's data.
    errors = [
        {
            "field": ".".join(str(p) for p in err["loc"]) or "(arguments)",
            "reason": str(err["msg"]),
            "type": err["type"],
        }
        for err in exc.errors(include_input=False, include_url=False)
    ]
    names = ", ".join(dict.fromkeys(e["field"] for e in errors))
    return {
        "code": "invalid_arguments",
        "message": f"invalid arguments for {spec.name}: {names}",
        "errors": errors,
    }


@dataclass(frozen=True, slots=True)
class ToolAdapter:
    """Runs one tool: validate, guard writes, get the live-or-mock client, run, convert.

    Args:
        spec: the tool.
        factory: hands out the client of `spec.integration` for its current configuration.
        allow_writes: False refuses write tools before anything is called.
    """

    spec: ToolSpec
    factory: IntegrationFactory
    allow_writes: bool = True

    async def call(self, arguments: dict[str, Any] | None) -> types.CallToolResult:
        """Run the tool with `arguments`; every failure is returned as a tool error."""
        spec = self.spec
        with bind_trace_id() as trace_id:
            if spec.writes and not self.allow_writes:
                return error_result(
                    {
                        "code": "write_not_allowed",
                        "message": (
                            f"{spec.name} changes data at {spec.integration}, and write tools "
                            "are disabled on this server (INTEGRATIONS_MCP__ALLOW_WRITES=false)"
                        ),
                        "integration": spec.integration,
                    }
                )
            try:
                parsed = spec.input_model.model_validate(arguments or {})
            except ValidationError as exc:
                return error_result(_invalid_arguments(spec, exc))
            try:
                client = await self.factory.get(spec.integration)
                value = await spec.run(client, parsed)
                return success_result(value)
            except IntegrationError as exc:
                _log.info(
                    "mcp.tool_failed", tool=spec.name, integration=spec.integration, code=exc.code
                )
                return error_result({**exc.to_dict(), "trace_id": trace_id})
            except Exception:
                _log.exception("mcp.tool_crashed", tool=spec.name, integration=spec.integration)
                return error_result(
                    {
                        "code": "internal_error",
                        "message": (
                            f"{spec.name} failed unexpectedly; the server log has the details "
                            f"under trace id {trace_id}"
                        ),
                        "integration": spec.integration,
                        "trace_id": trace_id,
                    }
                )
