"""`integrations mcp`: serve the connectors' MCP tools over stdio for an AI agent."""

from __future__ import annotations

import typer

from integrations.cli.common import errors_as_exit, fail, load_cli_settings, run_async

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
    from integrations.storage import migrate

    settings = load_cli_settings()
    if read_only:
        settings = settings.model_copy(
            update={"mcp": settings.mcp.model_copy(update={"allow_writes": False})}
        )
    with errors_as_exit():
        try:
            migrate.upgrade(settings.resolved_database_url)
        except Exception as exc:  # a driver error: one line, no traceback
            fail(f"database upgrade failed: {str(exc).splitlines()[0] if str(exc) else exc!r}")
    run_async(serve_stdio(settings))
