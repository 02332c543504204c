"""`integrations health [NAME] [--json]`: check integrations now, as the API and the periodic
job do (stored in the history, incidents opened or closed), and print what was found.

Exit status: 0 when nothing checked is `unhealthy`, 1 when something is (so a deploy script
or cron can act on it), 2 for an unknown name.
"""

from __future__ import annotations

import json

import typer
from rich.markup import escape
from rich.table import Table

from integrations.cli.common import console, fail, load_cli_settings, run_async
from integrations.factory import IntegrationFactory
from integrations.registry import CONNECTORS
from integrations.services import Services
from integrations.telemetry.alerts import AlertManager
from integrations.telemetry.health_monitor import HealthMonitor, HealthReport

__all__ = ["health"]

_COLOURS = {"healthy": "green", "degraded": "yellow", "unhealthy": "red"}


async def _check(services: Services, name: str | None) -> list[HealthReport]:
    """One integration (enabled or not), or every enabled one; the process factory is
    closed after, so call records and metric windows are written."""
    factory = IntegrationFactory.for_process(services)
    try:
        monitor = HealthMonitor(services, factory, AlertManager.from_services(services))
        if name is not None:
            return [await monitor.check_and_record(name)]
        return await monitor.check_all_health()
    finally:
        await factory.close()
        await services.close()


def _table(reports: list[HealthReport]) -> Table:
    table = Table("integration", "status", "mode", "breaker", "reasons")
    for r in reports:
        colour = _COLOURS.get(r.status, "dim")
        table.add_row(
            r.integration,
            f"[{colour}]{r.status}[/]",
            "mock" if r.is_mock else "live",
            r.circuit_state or "-",
            escape("\n".join(r.reasons)) or "-",
        )
    return table


def health(
    name: str | None = typer.Argument(
        None, metavar="NAME", help="one integration (default: every enabled one)"
    ),
    as_json: bool = typer.Option(False, "--json", metavar="", help="print the reports as JSON"),
) -> None:
    """Check integrations now: healthy, degraded, unhealthy, unknown or disabled, with why."""
    if name is not None and name not in CONNECTORS:
        fail(f"unknown integration {name!r}; known: {', '.join(sorted(CONNECTORS))}", code=2)
    services = Services(load_cli_settings())
    reports = run_async(_check(services, name))
    if as_json:
        typer.echo(json.dumps([r.as_dict() for r in reports], indent=2))
    elif not reports:
        console.print("no integration is enabled: nothing to check")
    else:
        console.print(_table(reports))
    if any(r.status == "unhealthy" for r in reports):
        raise typer.Exit(1)
