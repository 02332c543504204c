"""`integrations alerts`: list the alert history, resolve an alert, send a test notice.

These work on the database directly (no server needed), with the same effects as the
`/api/v1/alerts` routes: a resolve sends the recovery notice through the configured channels.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from sqlalchemy import select

from integrations.cli.common import (
    PlainHelpCommand,
    PlainHelpGroup,
    console,
    fail,
    load_cli_settings,
    run_async,
)
from integrations.services import Services
from integrations.storage.tables import AlertRow
from integrations.telemetry.alerts import AlertManager, alert_payload

__all__ = ["app"]

app = typer.Typer(
    cls=PlainHelpGroup, help="Alert history, manual resolve and test notices.", no_args_is_help=True
)
STATUSES = ("open", "resolved")
T = TypeVar("T")


def _with_services(work: Callable[[Services], Awaitable[T]]) -> T:
    services = Services(load_cli_settings())

    async def run() -> T:
        try:
            return await work(services)
        finally:
            await services.close()

    return run_async(run())


@app.command("list", cls=PlainHelpCommand)
def list_alerts(
    status: str | None = typer.Option(
        None, metavar="STATUS", help=f"only this status: {', '.join(STATUSES)}"
    ),
    integration: str | None = typer.Option(None, metavar="NAME", help="only this integration"),
    limit: int = typer.Option(
        50, min=1, max=10_000, metavar="N", help="at most this many, newest first"
    ),
    as_json: bool = typer.Option(False, "--json", metavar="", help="print JSON instead of a table"),
) -> None:
    """List alerts, newest first."""
    if status is not None and status not in STATUSES:
        fail(f"--status must be one of {', '.join(STATUSES)} (got {status!r})", code=2)

    async def read(services: Services) -> list[dict[str, Any]]:
        query = select(AlertRow).order_by(AlertRow.id.desc()).limit(limit)
        if status:
            query = query.where(AlertRow.status == status)
        if integration:
            query = query.where(AlertRow.integration == integration)
        async with services.db.sessions() as session:
            return [alert_payload(r) for r in await session.scalars(query)]

    rows = _with_services(read)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="alerts")
    for column in ("id", "status", "severity", "kind", "integration", "seen", "since", "message"):
        table.add_column(column)
    for row in rows:
        cells = (
            row["id"],
            row["status"],
            row["severity"],
            row["kind"],
            row["integration"] or "-",
            row["occurrences"],
            row["created_at"][:19],
            row["message"],
        )
        table.add_row(*(Text(str(c)) for c in cells))
    console.print(table)


@app.command("resolve", cls=PlainHelpCommand)
def resolve(
    alert_id: int = typer.Argument(
        ..., min=1, metavar="ALERT_ID", help="the alert's id (see `alerts list`)"
    ),
    message: str = typer.Option(
        "resolved by an operator", metavar="TEXT", help="why it was resolved"
    ),
) -> None:
    """Resolve an open alert by hand and send its recovery notice."""

    async def close(services: Services) -> str | None:
        row = await AlertManager.from_services(services).resolve_by_id(alert_id, message)
        if row is not None:
            return None
        async with services.db.sessions() as session:
            exists = await session.scalar(select(AlertRow.id).where(AlertRow.id == alert_id))
        return f"no alert {alert_id}" if exists is None else f"alert {alert_id} is already resolved"

    problem = _with_services(close)
    if problem:
        fail(problem)
    console.print(f"[green]alert {alert_id} resolved[/]")


@app.command("test", cls=PlainHelpCommand)
def send_test() -> None:
    """Send a test notice through every configured channel and show each one's result.

    Exits 1 when no channel is configured or any channel did not send.
    """
    results = _with_services(lambda services: AlertManager.from_services(services).send_test())
    if not results:
        fail(
            "no alert channel configured: set INTEGRATIONS_ALERTS__WEBHOOK_URL (and _SECRET)"
            " or INTEGRATIONS_ALERTS__EMAIL_TO"
        )
    for result in results:
        colour = "green" if result.status == "sent" else "red"
        console.print(
            f"{result.channel}: [{colour}]{result.status}[/] ({escape(result.detail)})",
            highlight=False,
        )
    if any(r.status != "sent" for r in results):
        raise typer.Exit(1)
