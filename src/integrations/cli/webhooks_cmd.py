"""`integrations webhooks replay`: queue stored deliveries of a time range again."""

from __future__ import annotations

import datetime as dt

import typer
from sqlalchemy import select

from integrations.cli.common import (
    PlainHelpCommand,
    PlainHelpGroup,
    console,
    fail,
    load_cli_settings,
    run_async,
)
from integrations.registry import webhook_sources
from integrations.services import Services
from integrations.storage.tables_inbound import WebhookEventRow
from integrations.webhooks.queue import EventQueue

__all__ = ["app"]

app = typer.Typer(cls=PlainHelpGroup, help="Inbound webhook deliveries.", no_args_is_help=True)
STATUSES = ("pending", "processing", "processed", "dead")


def _when(value: str, option: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        fail(
            f"{option} must be an ISO-8601 time, e.g. 2026-11-22T10:00:00Z (got {value!r})", code=2
        )
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


@app.command("replay", cls=PlainHelpCommand)
def replay(
    since: str = typer.Option(
        ..., "--from", metavar="TIME", help="start of the range (ISO-8601, inclusive)"
    ),
    until: str = typer.Option(
        ..., "--to", metavar="TIME", help="end of the range (ISO-8601, exclusive)"
    ),
    integration: str | None = typer.Option(None, metavar="NAME", help="only this integration"),
    status: str | None = typer.Option(
        None, metavar="STATUS", help=f"only this status: {', '.join(STATUSES)}"
    ),
    event_type: str | None = typer.Option(None, metavar="TYPE", help="only this event type"),
) -> None:
    """Queue every delivery received in [--from, --to) for processing again.

    A running server's worker picks them up within a second.
    """
    start, end = _when(since, "--from"), _when(until, "--to")
    if end <= start:
        fail("--to must be after --from", code=2)
    if status is not None and status not in STATUSES:
        fail(f"--status must be one of {', '.join(STATUSES)}", code=2)
    sources = webhook_sources()
    if integration is not None and integration not in sources:
        # A typo would otherwise match nothing and look like "no deliveries in that range".
        fail(
            f"--integration {integration!r} receives no webhooks; one of {', '.join(sources)}",
            code=2,
        )
    services = Services(load_cli_settings())

    async def run() -> tuple[int, int]:
        w = WebhookEventRow
        query = select(w.id).where(w.received_at >= start, w.received_at < end)
        if integration:
            query = query.where(w.integration == integration)
        if status:
            query = query.where(w.status == status)
        if event_type:
            query = query.where(w.event_type == event_type)
        try:
            async with services.db.sessions() as session:
                ids = list(await session.scalars(query.order_by(w.id)))
            return len(ids), await EventQueue(services.db).retry_now(ids)
        finally:
            await services.close()

    matched, queued = run_async(run())
    console.print(f"[green]{queued} of {matched} matching deliveries queued for processing[/]")
