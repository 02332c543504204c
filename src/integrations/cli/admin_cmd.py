"""`integrations admin create-token|list-tokens|revoke-token`."""

from __future__ import annotations

import datetime as dt

import typer

from integrations.cli.common import (
    PlainHelpCommand,
    PlainHelpGroup,
    console,
    fail,
    load_cli_settings,
    run_async,
)
from integrations.services import Services
from integrations.storage.repositories.admin_tokens import TOKEN_SCOPES, AdminTokenRepository

__all__ = ["app"]

app = typer.Typer(cls=PlainHelpGroup, help="Admin API tokens.", no_args_is_help=True)


@app.command("create-token", cls=PlainHelpCommand)
def create_token(
    name: str = typer.Option("cli", metavar="NAME", help="a name to recognise the token by"),
    scope: str | None = typer.Option(
        None,
        metavar="SCOPE",
        help="limit the token to one scope: changes:read opens only the changes feed",
    ),
) -> None:
    """Create an admin API token; it is printed once and only its hash is stored."""
    if not name.strip() or len(name) > 128:
        fail("--name must be 1 to 128 characters", code=2)
    if scope is not None and scope not in TOKEN_SCOPES:
        fail(f"--scope must be one of: {', '.join(TOKEN_SCOPES)}", code=2)
    services = Services(load_cli_settings())

    async def create() -> str:
        try:
            async with services.db.sessions.begin() as session:
                created = await AdminTokenRepository(session).create(name=name, scope=scope)
                return created.token
        finally:
            await services.close()

    token = run_async(create())
    console.print("[green]token created[/] (shown once; store it in a secret manager):")
    typer.echo(token)


@app.command("revoke-token", cls=PlainHelpCommand)
def revoke_token(
    token_id: str = typer.Argument(metavar="TOKEN_ID", help="the id part of itk_<id>_<secret>"),
) -> None:
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


@app.command("list-tokens", cls=PlainHelpCommand)
def list_tokens() -> None:
    """List tokens: id, name, created, last used, revoked (never the token itself)."""
    services = Services(load_cli_settings())

    async def read() -> list[tuple[str, ...]]:
        try:
            async with services.db.sessions() as session:
                rows = await AdminTokenRepository(session).list_all()
        finally:
            await services.close()
        return [
            (r.id, r.name, _when(r.created_at), _when(r.last_used_at), _when(r.revoked_at))
            for r in rows
        ]

    rows = run_async(read())
    if not rows:
        console.print("no admin tokens (create one with `integrations admin create-token`)")
        return
    # Plain aligned text: ids must never wrap, and scripts can cut the columns.
    typer.echo(f"{'id':<16}  {'created':<16}  {'last used':<16}  {'revoked':<16}  name")
    for token_id, name, created, used, revoked in rows:
        typer.echo(f"{token_id:<16}  {created:<16}  {used:<16}  {revoked:<16}  {name}")


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"
