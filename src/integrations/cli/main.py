"""The `integrations` command."""

from __future__ import annotations

import typer

from integrations import __version__
from integrations.cli import admin_cmd, config_cmd, data_cmd, db_cmd, secrets_cmd, webhooks_cmd
from integrations.cli.alerts_cmd import app as alerts_app
from integrations.cli.call_cmd import call
from integrations.cli.changes_cmd import app as changes_app
from integrations.cli.common import PlainHelpCommand, PlainHelpGroup
from integrations.cli.demo_cmd import demo
from integrations.cli.health_cmd import health
from integrations.cli.mcp_cmd import mcp
from integrations.cli.observe_cmd import calls, metrics
from integrations.cli.proof_cmd import app as proof_app
from integrations.cli.serve_cmd import serve
from integrations.cli.simulate_cmd import simulate
from integrations.cli.sync_cmd import sync
from integrations.cli.worker_cmd import worker

__all__ = ["app", "run"]

app = typer.Typer(
    name="integrations",
    cls=PlainHelpGroup,
    help="Call, receive from and sync with third-party SaaS APIs reliably.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Shell completion is not documented, and its two options would be the only ones in the
    # help still showing a value placeholder ("--install-completion <bool>").
    add_completion=False,
)
app.add_typer(config_cmd.app, name="config")
app.add_typer(db_cmd.app, name="db")
app.add_typer(admin_cmd.app, name="admin")
app.add_typer(secrets_cmd.app, name="secrets")
app.add_typer(webhooks_cmd.app, name="webhooks")
app.add_typer(alerts_app, name="alerts")
app.add_typer(data_cmd.app, name="data")
app.add_typer(changes_app, name="changes")
app.add_typer(proof_app, name="proof")
app.command("simulate", cls=PlainHelpCommand)(simulate)
app.command("mcp", cls=PlainHelpCommand)(mcp)
app.command("health", cls=PlainHelpCommand)(health)
app.command("calls", cls=PlainHelpCommand)(calls)
app.command("metrics", cls=PlainHelpCommand)(metrics)
app.command("worker", cls=PlainHelpCommand)(worker)
app.command("call", cls=PlainHelpCommand)(call)
app.command("sync", cls=PlainHelpCommand)(sync)
app.command("serve", cls=PlainHelpCommand)(serve)
app.command("demo", cls=PlainHelpCommand)(demo)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"integrations {__version__}")
        raise typer.Exit


@app.callback()
def main(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_version,
        is_eager=True,
        metavar="",
        help="Print the version and exit.",
    ),
) -> None:
    """Call, receive from and sync with third-party SaaS APIs reliably."""


def run() -> None:
    """Console-script entry point."""
    app()
