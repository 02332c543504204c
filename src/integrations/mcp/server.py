"""The MCP server: every connector's declared operations, served through the SDK's `Server`.

`build_server` takes the operations every registry entry declares (`actions.catalog`, the
same list the REST actions and `integrations call` serve) and registers them on the SDK's
low-level `mcp.server.Server` with explicit `tools/list` and `tools/call` handlers: the input
schema an agent sees is the operation's pydantic model's JSON schema (plus `dry_run` for a
write), and the same model validates the call. (`MCPServer`, the SDK's decorator layer,
derives schemas from function signatures; it has no way to take a schema as data.)

Writes run only when `INTEGRATIONS_MCP__ALLOW_WRITES` names them, and each client has a call
budget (`mcp.guard`). The one server object is served over stdio (`integrations mcp`, see
`serve_stdio`), over streamable HTTP at `/mcp` (`integrations.api.mcp_http`), and in process
by `mcp.Client(server)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server

from integrations import __version__
from integrations.actions.catalog import collect_actions
from integrations.actions.declaration import OperationSpec
from integrations.config import Settings
from integrations.factory import IntegrationFactory
from integrations.logging import get_logger
from integrations.mcp.adapter import ToolAdapter, error_result, tool_definition
from integrations.mcp.guard import ToolPolicy
from integrations.services import Services

__all__ = [
    "CALLER_SCOPE_KEY",
    "SERVER_NAME",
    "McpServer",
    "build_server",
    "caller_of",
    "collect_tools",
    "serve_stdio",
]

CALLER_SCOPE_KEY = "integrations.mcp_caller"  # set by `/mcp` in the ASGI scope's state
SERVER_NAME = "integrations"
McpServer = Server[Any]
"""The type `build_server` returns: the SDK's low-level server."""

_INSTRUCTIONS = (
    "Tools call third-party SaaS APIs through the integrations platform. Tools marked "
    "readOnlyHint only read; the others change data at the vendor and run only when the "
    "server allows them, but any of them accepts dry_run=true to show the request it would "
    "send. Errors come back as tool errors with a code and a message in "
    "structuredContent.error."
)
_log = get_logger()


def collect_tools() -> list[OperationSpec]:
    """Every declared operation, in registry order (`actions.catalog.collect_actions`)."""
    return collect_actions()


def caller_of(ctx: ServerRequestContext[Any]) -> str:
    """Who is calling: the admin principal over HTTP, `stdio:<client name>` otherwise."""
    request = ctx.request
    scope = getattr(request, "scope", None)
    if isinstance(scope, dict):
        principal = scope.get("state", {}).get(CALLER_SCOPE_KEY)
        if principal:
            return str(principal)
    params = ctx.session.client_params
    name = params.client_info.name if params is not None else "unknown"
    return f"stdio:{name}"


def build_server(
    factory: IntegrationFactory,
    *,
    policy: ToolPolicy | None = None,
    tools: Iterable[OperationSpec] | None = None,
) -> McpServer:
    """The MCP server for the declared operations (or `tools`), calling through `factory`.

    Args:
        factory: hands out each integration's client for its current runtime configuration.
        policy: which writes may run and each client's budget (default: the process
            settings', i.e. read-only unless `INTEGRATIONS_MCP__ALLOW_WRITES` says otherwise);
            refused write tools are still listed, marked destructive, so agents see them.
        tools: the operations to serve instead of the registry's (tests).
    """
    guard = policy or ToolPolicy.from_settings(factory.services.settings.mcp)
    specs = list(collect_tools() if tools is None else tools)
    adapters: Mapping[str, ToolAdapter] = {s.name: ToolAdapter(s, factory, guard) for s in specs}
    listing = [tool_definition(s) for s in specs]
    schemas = {t.name: t.input_schema for t in listing}

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=list(listing))

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        adapter = adapters.get(params.name)
        if adapter is None:
            return error_result(
                {
                    "code": "unknown_tool",
                    "message": f"no tool named {params.name!r}; list the tools to see them",
                }
            )
        return await adapter.call(params.arguments, caller_of(ctx))

    _log.info(
        "mcp.server_built",
        tools=len(specs),
        allow_writes=list(guard.allow_writes),
        calls_per_minute=guard.calls_per_minute,
    )
    return Server(
        SERVER_NAME,
        version=__version__,
        title="integrations",
        instructions=_INSTRUCTIONS,
        get_tool_input_schema=schemas.get,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


async def serve_stdio(settings: Settings) -> None:
    """Serve the MCP server over this process's stdin/stdout until the client closes it.

    While serving, the SDK points fd 1 at stderr, so nothing but the protocol reaches stdout.
    """
    services = Services(settings)
    factory = IntegrationFactory.for_process(services)
    try:
        server = build_server(factory, policy=ToolPolicy.from_settings(settings.mcp))
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())
    finally:
        await factory.close()
        await services.close()
