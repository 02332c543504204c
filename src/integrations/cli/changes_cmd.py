"""`integrations changes tail`: the changes feed as JSON lines, optionally followed.

One JSON object per line (the feed's change payload), so a script can pipe it; the last
cursor goes to stderr at the end, so a later `--after` resumes exactly there. `--follow` keeps
polling the database until interrupted (Ctrl-C exits 0 after printing the cursor).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import typer

from integrations.changes import read_changes
from integrations.changes.feed import MAX_PAGE, change_payload
from integrations.cli.common import (
    PlainHelpCommand,
    PlainHelpGroup,
    err_console,
    fail,
    load_cli_settings,
    run_async,
)
from integrations.services import Services
from integrations.storage.db import Database

__all__ = ["app", "tail_changes"]

app = typer.Typer(cls=PlainHelpGroup, help="The changes feed (issue 19).", no_args_is_help=True)


async def tail_changes(
    db: Database,
    *,
    after: int,
    integration: str | None,
    entity: str | None,
    emit: Callable[[dict[str, Any]], None],
    follow: bool = False,
    pause: Callable[[], Awaitable[None]] | None = None,
) -> int:
    """Emit every change after `after` (then, when following, each new one after a pause);
    returns the last cursor read. A `pause` raising `StopAsyncIteration` ends a follow."""
    cursor = after
    while True:
        async with db.sessions() as session:
            page = await read_changes(
                session, after=cursor, integration=integration, entity=entity, limit=MAX_PAGE
            )
        for change in page.changes:
            emit(change_payload(change))
        cursor = page.next_cursor
        if page.has_more:
            continue
        if not follow:
            return cursor
        try:
            await (pause or _second)()
        except StopAsyncIteration:
            return cursor


async def _second() -> None:
    await asyncio.sleep(1.0)


@app.command("tail", cls=PlainHelpCommand)
def tail(
    after: int = typer.Option(
        0, "--after", metavar="CURSOR", help="start after this cursor (0: from the start)"
    ),
    integration: str | None = typer.Option(
        None, metavar="NAME", help="only this integration's changes"
    ),
    entity: str | None = typer.Option(
        None, metavar="ENTITY", help="only this entity (e.g. documents)"
    ),
    follow: bool = typer.Option(
        False, "--follow", "-f", metavar="", help="keep printing new changes"
    ),
) -> None:
    """Print changes after --after as JSON lines, oldest first; the last cursor to stderr."""
    if after < 0 or after > 2**63 - 1:
        fail("--after must be a cursor between 0 and 2**63-1", code=2)
    for name, value in (("--integration", integration), ("--entity", entity)):
        if value is not None and (not value.strip() or len(value) > 64 or "\x00" in value):
            fail(f"{name} must be 1 to 64 characters", code=2)
    services = Services(load_cli_settings())
    last = after

    def emit(payload: dict[str, Any]) -> None:
        nonlocal last
        typer.echo(json.dumps(payload, sort_keys=True))
        last = payload["cursor"]

    async def run() -> int:
        try:
            return await tail_changes(
                services.db,
                after=after,
                integration=integration,
                entity=entity,
                emit=emit,
                follow=follow,
            )
        finally:
            await services.close()

    try:
        run_async(run())
    except typer.Exit as exit_:
        if exit_.exit_code != 130:  # Ctrl-C while following is the normal way out
            raise
    err_console.print(f"next cursor: {last} (resume with --after {last})", highlight=False)
