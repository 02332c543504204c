"""`integrations admin create-token|revoke-token`."""

from __future__ import annotations

import typer

from integrations.cli.common import console, fail, load_cli_settings, run_async
from integrations.services import Services
from integrations.storage.repositories.admin_tokens import AdminTokenRepository

__all__ = ["app"]

app = typer.Typer(help="Admin API tokens.", no_args_is_help=True)


@app.command("create-token")
def create_token(name: str = typer.Option("cli", help="a name to recognise the token by")) -> None:
    """Create an admin API token; it is printed once and only its hash is stored."""
    if not name.strip() or len(name) > 128:
        fail("--name must be 1 to 128 characters", code=2)
    services = Services(load_cli_settings())

    async def create() -> str:
        try:
            async with services.db.sessions.begin() as session:
                return (await AdminTokenRepository(session).create(name=name)).token
        finally:
            await services.close()

    token = run_async(create())
    console.print("[green]token created[/] (shown once; store it in a secret manager):")
    typer.echo(token)


@app.command("revoke-token")
def revoke_token(token_id: str = typer.Argument(help="the id part of itk_<id>_<secret>")) -> None:
    """Revoke a token by its id."""
    services = Services(load_cli_settings())

    async def revoke() -> bool:
        try:
            async with services.db.sessions.begin() as session:
                return await AdminTokenRepository(session).revoke(token_id=token_id)
        finally:
            await services.close()

    if not run_async(revoke()):
        fail(f"no token with id {token_id!r}")
    console.print(f"[green]token {token_id} revoked[/]")
