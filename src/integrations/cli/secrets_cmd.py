"""`integrations secrets rotate|keygen`: encryption keys for stored secrets."""

from __future__ import annotations

import typer

from integrations.cli.common import (
    PlainHelpCommand,
    PlainHelpGroup,
    console,
    load_cli_settings,
    run_async,
)
from integrations.services import Services
from integrations.storage.crypto import generate_key
from integrations.storage.rotation import RotationReport, rotate_secrets

__all__ = ["app"]

app = typer.Typer(
    cls=PlainHelpGroup, help="Encryption keys of stored secrets.", no_args_is_help=True
)


@app.command("keygen", cls=PlainHelpCommand)
def keygen() -> None:
    """Print a new Fernet key (put it first in INTEGRATIONS_SECRET_KEY to rotate)."""
    typer.echo(generate_key())


@app.command("rotate", cls=PlainHelpCommand)
def rotate() -> None:
    """Re-encrypt every stored secret under the first key of INTEGRATIONS_SECRET_KEY.

    Run it after prepending a new key; once it succeeded, the old keys may be removed.
    """
    services = Services(load_cli_settings())

    async def run() -> RotationReport:
        try:
            async with services.db.sessions.begin() as session:
                return await rotate_secrets(session, services.box)
        finally:
            await services.close()

    report = run_async(run())
    console.print(
        f"[green]re-encrypted {report.total} secret(s)[/]: "
        f"{report.integration_configs} configuration(s), {report.oauth_tokens} OAuth token(s), "
        f"{report.webhook_subscriptions} webhook secret(s), "
        f"{report.event_subscriptions} event subscription secret(s)"
    )
