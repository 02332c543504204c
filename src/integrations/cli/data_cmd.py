"""`integrations data`: read the vendor tables webhooks keep current, from the database.

The same pages as the admin API's `/api/v1/pandadoc/documents` and
`/api/v1/typeform/forms/{form_id}/responses` (`storage.repositories.vendor_data`), without a
running server: JSON with `--json`, else a table.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer
from rich.table import Table
from rich.text import Text

from integrations.cli.common import (
    PlainHelpCommand,
    PlainHelpGroup,
    console,
    fail,
    load_cli_settings,
    run_async,
)
from integrations.storage.repositories.vendor_data import MAX_OFFSET, Page, VendorDataRepository

__all__ = ["app"]

T = TypeVar("T")
app = typer.Typer(
    cls=PlainHelpGroup, help="Read vendor data kept current by webhooks.", no_args_is_help=True
)
pandadoc = typer.Typer(cls=PlainHelpGroup, help="PandaDoc documents.", no_args_is_help=True)
typeform = typer.Typer(cls=PlainHelpGroup, help="Typeform responses.", no_args_is_help=True)
app.add_typer(pandadoc, name="pandadoc")
app.add_typer(typeform, name="typeform")

AS_JSON = typer.Option(False, "--json", metavar="", help="print JSON instead of a table")
LIMIT = typer.Option(50, min=1, max=500, metavar="N", help="items per page")
OFFSET = typer.Option(
    0, min=0, max=MAX_OFFSET, metavar="N", help="items to skip (the previous next_offset)"
)


def _time(value: str | None, option: str) -> dt.datetime | None:
    """An RFC 3339 time with a zone, in UTC; exit 2 naming `option` otherwise."""
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        fail(
            f"{option}: must be an RFC 3339 date-time with a zone, e.g. 2026-01-31T12:00:00Z",
            code=2,
        )
    return parsed.astimezone(dt.UTC)


def _read(query: Callable[[VendorDataRepository], Awaitable[T]]) -> T:
    from integrations.services import Services  # the database: only when a command runs

    async def run() -> T:
        services = Services(load_cli_settings())
        try:
            async with services.db.sessions() as session:
                return await query(VendorDataRepository(session))
        finally:
            await services.close()

    return run_async(run())


def _print(page: Page, columns: tuple[str, ...], title: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(page.to_json(), indent=2))
        return
    table = Table(title=f"{title}: {len(page.items)} of {page.total}")
    for column in columns:
        table.add_column(column, overflow="fold")
    for item in page.items:
        table.add_row(*(Text(_cell(item[c])) for c in columns))
    console.print(table)
    if page.next_offset is not None:
        console.print(f"next page: --offset {page.next_offset}")


def _cell(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else json.dumps(value)


@pandadoc.command("documents", cls=PlainHelpCommand)
def documents(
    status: str | None = typer.Option(None, metavar="STATUS", help="e.g. document.completed"),
    updated_since: str | None = typer.Option(
        None, metavar="TIME", help="RFC 3339, e.g. 2026-01-31T00:00:00Z"
    ),
    limit: int = LIMIT,
    offset: int = OFFSET,
    as_json: bool = AS_JSON,
) -> None:
    """List stored PandaDoc documents, last changed first."""
    since = _time(updated_since, "--updated-since")
    page = _read(
        lambda repo: repo.list_documents(
            status=status, updated_since=since, limit=limit, offset=offset
        )
    )
    columns = ("id", "name", "status", "date_modified", "updated_at")
    _print(page, columns, "pandadoc documents", as_json)


@pandadoc.command("document", cls=PlainHelpCommand)
def document(
    document_id: str = typer.Argument(metavar="DOCUMENT_ID", help="PandaDoc document id"),
) -> None:
    """Print one stored PandaDoc document as JSON (exit 1 when none is stored)."""
    found = _read(lambda repo: repo.get_document(document_id=document_id))
    if found is None:
        fail(f"no stored PandaDoc document {document_id!r}")
    typer.echo(json.dumps(found, indent=2))


@typeform.command("responses", cls=PlainHelpCommand)
def responses(
    form_id: str = typer.Argument(metavar="FORM_ID", help="Typeform form id"),
    since: str | None = typer.Option(
        None, metavar="TIME", help="RFC 3339, e.g. 2026-01-31T00:00:00Z"
    ),
    response_type: str | None = typer.Option(None, metavar="TYPE", help="completed or partial"),
    limit: int = LIMIT,
    offset: int = OFFSET,
    as_json: bool = AS_JSON,
) -> None:
    """List stored responses of a Typeform form, newest submission first."""
    if response_type not in {None, "completed", "partial"}:
        fail("--response-type: must be completed or partial", code=2)
    after = _time(since, "--since")
    page = _read(
        lambda repo: repo.list_form_responses(
            form_id=form_id, since=after, response_type=response_type, limit=limit, offset=offset
        )
    )
    columns = ("token", "response_type", "submitted_at", "answers")
    _print(page, columns, f"typeform form {form_id} responses", as_json)
