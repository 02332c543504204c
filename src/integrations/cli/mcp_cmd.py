"""`integrations mcp`: serve the connectors' MCP tools over stdio for an AI agent."""

from __future__ import annotations

import typer

from integrations.cli.common import load_cli_settings, run_async, upgrade_database

__all__ = ["mcp"]


def mcp(
    read_only: bool = typer.Option(
        False,
        "--read-only",
        help="refuse write tools (same as INTEGRATIONS_MCP__ALLOW_WRITES=false)",
    ),
) -> None:
    """Upgrade the database, then serve MCP over stdin/stdout until the client disconnects.

    stdout carries only the protocol; logs and errors go to stderr.
    """
    from integrations.mcp.server import serve_stdio

    settings = load_cli_settings()
    if read_only:
        settings = settings.model_copy(
            update={"mcp": settings.mcp.model_copy(update={"allow_writes": False})}
        )
    upgrade_database(settings)
    run_async(serve_stdio(settings))
