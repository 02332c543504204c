"""`integrations calls` and `integrations metrics`: the call log and metric windows, read
straight from the database (no server needed), as a table, JSON or CSV.

They show what the API's `/integrations/{name}/calls` and `/metrics` show. Metric windows
reach the database when the serving process flushes them (every
`INTEGRATIONS_METRICS__FLUSH_SECONDS`), so the newest few seconds may be missing here.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, cast

import typer
from rich.table import Table

from integrations.cli.common import console, fail, load_cli_settings, run_async
from integrations.registry import CONNECTORS
from integrations.services import Services
from integrations.storage.repositories.call_logs import (
    CallFilter,
    CallLogRepository,
    CallStatus,
    call_log_dict,
)
from integrations.telemetry.windows import WindowStats, aggregate_metrics, windows_csv

__all__ = ["calls", "metrics"]

STATUSES = ("success", "failure")
MAX_SPAN = dt.timedelta(days=31)


def _when(value: str | None, option: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        fail(
            f"{option} must be an ISO-8601 time, e.g. 2026-11-22T10:00:00Z (got {value!r})", code=2
        )
    return parsed.astimezone(dt.UTC) if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _known(name: str) -> None:
    if name not in CONNECTORS:
        fail(f"unknown integration {name!r}; known: {', '.join(sorted(CONNECTORS))}", code=2)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _print_calls(items: list[dict[str, Any]], title: str) -> None:
    table = Table(title=title)
    for column in ("time", "trace id", "operation", "status", "ms", "retries", "error"):
        # Fold rather than cut: a trace id is there to be copied into `--trace`.
        table.add_column(column, overflow="fold")
    for item in items:
        outcome = f"[green]{item['status_code']}[/]" if item["success"] else (
            f"[red]{item['status_code'] or '-'}[/]"
        )  # fmt: skip
        table.add_row(item["created_at"], item["trace_id"], item["operation"], outcome,
                      _ms(item["duration_ms"]), str(item["retry_count"]),
                      item["error_class"] or "")  # fmt: skip
    console.print(table)


def calls(
    name: str = typer.Argument(..., metavar="NAME", help="the integration, e.g. pandadoc"),
    status: str | None = typer.Option(None, metavar="STATUS", help="only success or failure"),
    operation: str | None = typer.Option(None, metavar="OPERATION", help="only this operation"),
    since: str | None = typer.Option(
        None, metavar="TIME", help="only calls at or after (ISO-8601)"
    ),
    limit: int = typer.Option(
        50, min=1, max=500, metavar="N", help="at most this many, newest first"
    ),
    trace: str | None = typer.Option(
        None, "--trace", metavar="TRACE_ID", help="every call of one trace id"
    ),
    as_json: bool = typer.Option(False, "--json", metavar="", help="print JSON instead of a table"),
) -> None:
    """Show an integration's recent calls, or every call of one trace id (--trace)."""
    _known(name)
    if status is not None and status not in STATUSES:
        fail(f"--status must be one of {', '.join(STATUSES)} (got {status!r})", code=2)
    outcome = cast("CallStatus | None", status)  # checked above
    filters = CallFilter(name, outcome, operation, _when(since, "--since"))
    services = Services(load_cli_settings())

    async def run() -> list[dict[str, Any]]:
        try:
            async with services.db.sessions() as session:
                repo = CallLogRepository(session)
                if trace is not None:
                    rows = await repo.by_trace(integration=name, trace_id=trace)
                else:
                    rows = await repo.page(filters=filters, limit=limit)
            return [call_log_dict(r, detail=trace is not None) for r in rows]
        finally:
            await services.close()

    items = run_async(run())
    if trace is not None and not items:
        fail(f"no call of {name} with trace id {trace}")
    if as_json:
        typer.echo(json.dumps({"items": items}, indent=2))
    else:
        _print_calls(items, f"{name}: {len(items)} call(s)" + (f", trace {trace}" if trace else ""))


def _print_windows(windows: list[WindowStats], title: str) -> None:
    table = Table(title=title)
    for column in ("window start", "calls", "success", "p50 ms", "p95 ms", "p99 ms",
                   "retries", "429s", "cost", "errors"):  # fmt: skip
        table.add_column(column)
    for w in windows:
        rate = "-" if w.success_rate is None else f"{w.success_rate:.1%}"
        errors = ", ".join(f"{k}={v}" for k, v in sorted(w.errors.items()))
        table.add_row(w.window_start.isoformat(), str(w.calls), rate, _ms(w.p50_ms),
                      _ms(w.p95_ms), _ms(w.p99_ms), str(w.retries), str(w.rate_limited),
                      f"{w.cost:g}", errors)  # fmt: skip
    console.print(table)


def metrics(
    name: str = typer.Argument(..., metavar="NAME", help="the integration, e.g. pandadoc"),
    since: str | None = typer.Option(
        None, "--from", metavar="TIME", help="range start (default: --to - 24 h)"
    ),
    until: str | None = typer.Option(None, "--to", metavar="TIME", help="range end (default: now)"),
    operation: str | None = typer.Option(None, metavar="OPERATION", help="only this operation"),
    as_csv: bool = typer.Option(False, "--csv", metavar="", help="print CSV with a header row"),
    as_json: bool = typer.Option(False, "--json", metavar="", help="print JSON"),
) -> None:
    """Show an integration's metric windows (every process merged) over a time range."""
    _known(name)
    if as_csv and as_json:
        fail("choose one of --csv and --json", code=2)
    end = _when(until, "--to") or dt.datetime.now(dt.UTC)
    start = _when(since, "--from") or end - dt.timedelta(hours=24)
    if end <= start:
        fail("--to must be after --from", code=2)
    if end - start > MAX_SPAN:
        fail("--from and --to may be at most 31 days apart", code=2)
    services = Services(load_cli_settings())

    async def run() -> list[WindowStats]:
        try:
            return await aggregate_metrics(
                services.db, integration=name, start=start, end=end, operation=operation
            )
        finally:
            await services.close()

    windows = run_async(run())
    if as_csv:
        typer.echo(windows_csv(windows), nl=False)
    elif as_json:
        typer.echo(json.dumps({"items": [w.as_dict() for w in windows]}, indent=2))
    else:
        _print_windows(windows, f"{name}: {len(windows)} window(s) from {start:%Y-%m-%d %H:%M} UTC")
