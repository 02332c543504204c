"""`integrations sync NAME [--full] [--stream S]`: run a sync now, in this process.

Progress is shown per stream (a Rich bar with records read); the run is recorded in
`sync_runs` like a scheduled one (trigger `manual`, by `cli`). Exit status: 0 for success,
1 for `partial`, `stopped` or `error`, or when a sync of the integration is already
running; 2 for an unknown integration or stream.
"""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from integrations.cli.common import console, fail, load_cli_settings, run_async
from integrations.factory import IntegrationFactory
from integrations.services import Services
from integrations.sync.catalog import find_definition, synced_integrations
from integrations.sync.engine import SyncEngine
from integrations.sync.runs import SyncRunSummary

__all__ = ["sync"]


async def _run(services: Services, name: str, sync_type: str, bars: Progress) -> SyncRunSummary:
    definition = find_definition(name)
    assert definition is not None
    tasks = {s.name: bars.add_task(s.name, total=None) for s in definition.ordered()}
    factory = IntegrationFactory.for_process(services)

    def progress(stream: str, done: int, total: int | None) -> None:
        bars.update(tasks[stream], completed=done, total=total)

    try:
        engine = SyncEngine(services, factory, definition)
        return await engine.run(sync_type, trigger="manual", triggered_by="cli", progress=progress)
    finally:
        await factory.close()
        await services.close()


def _report(summary: SyncRunSummary) -> None:
    table = Table("stream", "processed", "created", "updated", "failed", "pages")
    for stream, counts in summary.per_stream.items():
        table.add_row(
            stream,
            *(
                str(counts.get(k, 0))
                for k in ("processed", "created", "updated", "failed", "pages")
            ),
        )
    console.print(table)
    colour = {"success": "green", "partial": "yellow"}.get(summary.status, "red")
    console.print(f"run {summary.run_id}: [{colour}]{summary.status}[/]")
    for reason in (summary.details.get("page_limit") or {}).values():
        console.print(f"  page limit: {escape(str(reason))}")
    for problem in (summary.details.get("problems") or [])[:20]:
        console.print(
            escape(
                f"  {problem['stream']} {problem['id']}: {problem['field']}: {problem['reason']}"
            )
        )
    if summary.error_message:
        console.print(f"  error: {escape(summary.error_message)}")


def sync(
    name: str = typer.Argument(
        ..., metavar="NAME", help="the integration to sync (one with a sync)"
    ),
    full: bool = typer.Option(
        False, "--full", metavar="", help="read every record, not only changes"
    ),
    stream: str | None = typer.Option(
        None, "--stream", metavar="STREAM", help="only this stream (e.g. contacts)"
    ),
) -> None:
    """Sync an integration now: incremental by default, every record with --full."""
    definition = find_definition(name)
    if definition is None:
        known = ", ".join(synced_integrations()) or "none yet"
        fail(f"{name!r} has no sync; integrations with one: {known}", code=2)
    if stream is not None and stream not in {s.name for s in definition.streams}:
        fail(
            f"{name} has no stream {stream!r}; streams: "
            + ", ".join(s.name for s in definition.streams),
            code=2,
        )
    if stream is not None and full:
        fail("--full and --stream cannot be combined: a full sync covers every stream", code=2)
    sync_type = stream or ("full" if full else "incremental")
    services = Services(load_cli_settings())
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} records"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bars:
        summary = run_async(_run(services, name, sync_type, bars))
    _report(summary)
    if summary.status != "success":
        raise typer.Exit(1)
