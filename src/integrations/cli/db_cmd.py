"""`integrations db upgrade|downgrade|current`: schema migrations."""

from __future__ import annotations

import typer

from integrations.cli.common import (
    PlainHelpCommand,
    PlainHelpGroup,
    console,
    errors_as_exit,
    fail,
    load_cli_settings,
    run_async,
)
from integrations.storage import migrate
from integrations.storage.db import create_engine, is_sqlite, sqlite_file

__all__ = ["app"]

app = typer.Typer(cls=PlainHelpGroup, help="Database schema migrations.", no_args_is_help=True)


@app.command("upgrade", cls=PlainHelpCommand)
def upgrade(
    revision: str = typer.Argument("head", metavar="REVISION", help="target revision"),
) -> None:
    """Upgrade the schema to REVISION (default: the newest)."""
    settings = load_cli_settings()
    _migrate(lambda: migrate.upgrade(settings.resolved_database_url, revision))
    console.print(f"[green]database upgraded to {revision}[/]")


@app.command("downgrade", cls=PlainHelpCommand)
def downgrade(
    revision: str = typer.Argument(metavar="REVISION", help="target revision, or 'base' for none"),
) -> None:
    """Downgrade the schema to REVISION; `base` drops every table."""
    settings = load_cli_settings()
    _migrate(lambda: migrate.downgrade(settings.resolved_database_url, revision))
    console.print(f"[green]database downgraded to {revision}[/]")


@app.command("current", cls=PlainHelpCommand)
def current() -> None:
    """Print the database's revision and the newest shipped one."""
    settings = load_cli_settings()
    url = settings.resolved_database_url
    path = sqlite_file(url) if is_sqlite(url) else None
    # Connecting to SQLite creates the file: a question must not create the database.
    if path is not None and not path.exists():
        fail(f"no database at {path}; create it with `integrations db upgrade`")

    async def read() -> str | None:
        engine = create_engine(url)
        try:
            return await migrate.current_revision(engine)
        finally:
            await engine.dispose()

    with errors_as_exit():
        revision = run_async(read())
    console.print(f"current: {revision}  head: {migrate.head_revision()}")


def _migrate(action: object) -> None:
    assert callable(action)
    with errors_as_exit():
        try:
            action()
        except Exception as exc:  # alembic and driver errors: one line, no traceback
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            fail(f"migration failed: {reason}")
