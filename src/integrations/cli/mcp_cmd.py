"""`integrations mcp`: serve the connectors' MCP tools over stdio for an AI agent."""

from __future__ import annotations

import typer

from integrations.cli.common import load_cli_settings, run_async, upgrade_database

__all__ = ["mcp"]


def mcp(
    read_only: bool = typer.Option(
        False,
        "--read-only",
        metavar="",
        help="refuse every write tool, whatever INTEGRATIONS_MCP__ALLOW_WRITES allows",
    ),
) -> None:
    """Upgrade the database, then serve MCP over stdin/stdout until the client disconnects.

    Write tools run only when INTEGRATIONS_MCP__ALLOW_WRITES names them
    (e.g. '["pandadoc:create_document"]'); any write may be called with dry_run=true.
    stdout carries only the protocol; logs and errors go to stderr.
    """
    from integrations.mcp.server import serve_stdio

    settings = load_cli_settings()
    if read_only:
        settings = settings.model_copy(
            update={"mcp": settings.mcp.model_copy(update={"allow_writes": []})}
        )
    upgrade_database(settings)
    run_async(serve_stdio(settings))
