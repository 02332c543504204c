"""The MCP server: every connector's `TOOLS`, served through the SDK's `Server`.

`build_server` collects the tools of each registry entry that names a `tools` module (a module
that does not import yet is skipped with a warning, so one unfinished connector never takes
the server down) and registers them on the SDK's low-level `mcp.server.Server` with explicit
`tools/list` and `tools/call` handlers: the input schema an agent sees is the tool's pydantic
model's JSON schema, and the same model validates the call. (`MCPServer`, the SDK's decorator
layer, derives schemas from function signatures; it has no way to take a schema as data.)

The one server object is served over stdio (`integrations mcp`, see `serve_stdio`), over
streamable HTTP at `/mcp` (`integrations.api.mcp_http`), and in process by `mcp.Client(server)`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from typing import Any

import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server

from integrations import __version__
from integrations.config import Settings
from integrations.errors import ConfigError
from integrations.factory import IntegrationFactory
from integrations.logging import get_logger
from integrations.mcp.adapter import ToolAdapter, error_result, tool_definition
from integrations.mcp.tools import ToolSpec
from integrations.registry import CONNECTORS, ConnectorInfo
from integrations.services import Services

__all__ = ["SERVER_NAME", "McpServer", "build_server", "collect_tools", "serve_stdio"]

SERVER_NAME = "integrations"
McpServer = Server[Any]
"""The type `build_server` returns: the SDK's low-level server."""

_INSTRUCTIONS = (
    "Tools call third-party SaaS APIs through the integrations platform. Tools marked "
    "readOnlyHint only read; the others change data at the vendor. Errors come back as tool "
    "errors with a code and a message in structuredContent.error."
)
_log = get_logger()


def collect_tools(connectors: Iterable[ConnectorInfo] | None = None) -> list[ToolSpec]:
    """The `TOOLS` of every connector whose `tools` module imports, in registry order.

    Raises:
        ConfigError: two tools share a name, or a module's `TOOLS` is not a list of ToolSpec.
    """
    found: dict[str, ToolSpec] = {}
    for info in CONNECTORS.values() if connectors is None else connectors:
        if info.tools is None:
            continue
        try:
            module = importlib.import_module(info.tools)
        except ModuleNotFoundError as exc:
            # Not written yet (or an optional dependency is absent): serve the others.
            _log.warning(
                "mcp.tools_skipped", integration=info.name, module=info.tools, reason=str(exc)
            )
            continue
        except Exception:
            # Present but broken: one connector's bug must not take every tool down.
            _log.exception("mcp.tools_broken", integration=info.name, module=info.tools)
            continue
        specs = getattr(module, "TOOLS", None)
        if not isinstance(specs, list) or not all(isinstance(s, ToolSpec) for s in specs):
            raise ConfigError(
                f"{info.tools}.TOOLS must be a list of ToolSpec", integration=info.name
            )
        for spec in specs:
            if spec.name in found:
                raise ConfigError(f"two connectors declare the MCP tool {spec.name!r}")
            found[spec.name] = spec
    return list(found.values())


def build_server(
    factory: IntegrationFactory,
    *,
    allow_writes: bool = True,
    tools: Iterable[ToolSpec] | None = None,
) -> McpServer:
    """The MCP server for the registry's tools (or `tools`), calling through `factory`.

    Args:
        factory: hands out each integration's client for its current runtime configuration.
        allow_writes: False refuses every write tool with a clear tool error (the guard);
            write tools are still listed, marked destructive, so agents see what exists.
        tools: the tools to serve instead of the registry's (tests).
    """
    specs = list(collect_tools() if tools is None else tools)
    adapters: Mapping[str, ToolAdapter] = {
        s.name: ToolAdapter(s, factory, allow_writes=allow_writes) for s in specs
    }
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
        return await adapter.call(params.arguments)

    _log.info("mcp.server_built", tools=len(specs), allow_writes=allow_writes)
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
        server = build_server(factory, allow_writes=settings.mcp.allow_writes)
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())
    finally:
        await factory.close()
        await services.close()
