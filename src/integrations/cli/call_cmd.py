"""`integrations call`: run one declared operation of a connector from the shell.

A bulk operation (one declaring `results`, e.g. `email send_bulk_email`) shows a progress
bar and a per-recipient summary table on stderr while its JSON answer goes to stdout.

`integrations call NAME` lists the connector's actions; `integrations call NAME ACTION` runs
one with its input given as `--json '{...}'` and/or `key=value` pairs (a value starting with
`[` or `{` is read as JSON, any other stays text and is converted as the input model says:
`count=3`, `silent=true`). The answer is printed as JSON (default) or a Rich table. A write
given `--dry-run` prints the request it would send and sends nothing. The operation runs
exactly as `POST /api/v1/integrations/NAME/actions/ACTION` and the MCP tool `NAME_ACTION` run
it, through this process's client of the connector (live or mock as configured).

Exit codes: 0 success, 1 the call failed (vendor, disabled integration, unknown action),
2 invalid input or configuration.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from enum import StrEnum
from typing import Any

import typer
from rich.progress import Progress
from rich.table import Table

from integrations.actions.catalog import actions_of, describe_action, get_action
from integrations.actions.declaration import OperationSpec
from integrations.actions.progress import listen_progress
from integrations.actions.runner import ActionInputError, run_action
from integrations.cli.common import (
    EXIT_CONFIG,
    console,
    err_console,
    errors_as_exit,
    fail,
    load_cli_settings,
    run_async,
    upgrade_database,
)
from integrations.config import Settings
from integrations.factory import IntegrationFactory
from integrations.registry import CONNECTORS
from integrations.services import Services

__all__ = ["OutputFormat", "call", "parse_arguments"]


class OutputFormat(StrEnum):
    JSON = "json"
    TABLE = "table"


def parse_arguments(json_input: str | None, pairs: list[str]) -> dict[str, Any]:
    """The input from `--json` and `key=value` pairs (pairs win); exits 2 when unreadable."""
    arguments: dict[str, Any] = {}
    if json_input:
        try:
            loaded = json.loads(json_input)
        except ValueError as exc:
            fail(f"--json is not valid JSON: {exc}", code=EXIT_CONFIG)
        if not isinstance(loaded, dict):
            fail('--json must be a JSON object, e.g. \'{"item_id": "42"}\'', code=EXIT_CONFIG)
        arguments.update(loaded)
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            fail(f"{pair!r} is not key=value", code=EXIT_CONFIG)
        value: Any = raw
        if raw[:1] in "[{":
            try:
                value = json.loads(raw)
            except ValueError as exc:
                fail(f"the value of {key} is not valid JSON: {exc}", code=EXIT_CONFIG)
        arguments[key] = value
    return arguments


@contextlib.asynccontextmanager
async def open_factory(settings: Settings) -> AsyncIterator[IntegrationFactory]:
    """This process's services and client factory, closed on exit (tests replace it)."""
    services = Services(settings)
    factory = IntegrationFactory.for_process(services)
    try:
        yield factory
    finally:
        await factory.close()
        await services.close()


async def _run(
    settings: Settings, spec: OperationSpec, arguments: dict[str, Any], dry_run: bool
) -> Any:
    async with open_factory(settings) as factory:
        try:
            if not spec.results or dry_run:
                return await run_action(spec, factory, arguments, dry_run_write=dry_run)
            return await _run_with_progress(spec, factory, arguments)
        except ActionInputError as exc:  # every field named, one per line
            lines = [f"  {e['field']}: {e['reason']}" for e in exc.errors]
            fail("\n".join([exc.message, *lines]), code=EXIT_CONFIG)


async def _run_with_progress(
    spec: OperationSpec, factory: IntegrationFactory, arguments: dict[str, Any]
) -> Any:
    """A bulk operation with a progress bar on stderr (stdout stays the answer), then a
    per-item summary table there too."""
    with Progress(console=err_console, transient=True) as progress:
        task = progress.add_task(f"{spec.integration} {spec.action}", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        with listen_progress(advance):
            data = await run_action(spec, factory, arguments)
    rows = data.get(spec.results) if isinstance(data, dict) else None
    if isinstance(rows, list) and rows:
        err_console.print(_table({spec.results: rows}))
    return data


def _cell(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _table(data: Any) -> Table:
    """Rows of the first list of objects in `data`, else one row per key."""
    rows = data if isinstance(data, list) else None
    if isinstance(data, dict):
        rows = next((v for v in data.values() if isinstance(v, list) and v), None)
    if rows and all(isinstance(r, dict) for r in rows):
        columns = list(dict.fromkeys(k for r in rows for k in r))
        table = Table(*columns)
        for row in rows:
            table.add_row(*(_cell(row.get(c, "")) for c in columns))
        return table
    table = Table("field", "value")
    items = data.items() if isinstance(data, dict) else [("result", data)]
    for key, value in items:
        table.add_row(str(key), _cell(value))
    return table


def _print(data: Any, output: OutputFormat) -> None:
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    else:
        console.print(_table(data))


def _list(name: str, output: OutputFormat) -> None:
    found = actions_of(name)
    if not found:
        with_actions = sorted(n for n in CONNECTORS if actions_of(n))
        fail(f"{name!r} declares no actions; connectors with actions: {', '.join(with_actions)}")
    if output is OutputFormat.JSON:
        _print([describe_action(s) for s in found.values()], output)
        return
    table = Table("action", "writes", "cost", "description", "example")
    for spec in found.values():
        writes = "write" if spec.writes else "read"
        table.add_row(spec.action, writes, f"{spec.cost:g}", spec.description, _cell(spec.example))
    console.print(table)


_PAIRS = typer.Argument(None, metavar="KEY=VALUE", help="input as key=value pairs")
_OUTPUT = typer.Option(OutputFormat.JSON, "--output", "-o", help="json or table")


def call(
    name: str = typer.Argument(..., metavar="NAME", help="the connector, e.g. pandadoc"),
    action: str | None = typer.Argument(
        None, metavar="ACTION", help="the action; leave out to list them"
    ),
    pairs: list[str] | None = _PAIRS,
    json_input: str | None = typer.Option(
        None, "--json", metavar="JSON", help="input as a JSON object"
    ),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        metavar="",
        help="a write: print the request it would send, send nothing",
    ),
    output: OutputFormat = _OUTPUT,
) -> None:
    """Run one action of a connector (or list its actions) and print the answer."""
    if action is None:
        _list(name, output)
        return
    arguments = parse_arguments(json_input, pairs or [])
    settings = load_cli_settings()
    with errors_as_exit():
        spec = get_action(name, action)
    upgrade_database(settings)
    _print(run_async(_run(settings, spec, arguments, dry_run)), output)
