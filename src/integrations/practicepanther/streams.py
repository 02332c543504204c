"""The PracticePanther sync, as data: contacts → matters (as exchanges) → tasks.

Every stream reads `/api/v2/<kind>` with OData `$top`/`$skip` (100 per page) and
`updated_since` (ISO-8601 with offset, BRIEF §3), in the API's default order.

- **contacts** carry no timestamps in the vendor model (BRIEF §3.2), but the endpoint
  takes `updated_since`: the cursor is the run's start time (`cursor_field=None`), committed
  when the stream completes, so an incremental run asks for contacts changed since the last
  completed contacts pass (minus the look-back).
- **matters** and **tasks** use their `updated_at` as the cursor, checkpointed per batch.
- References are resolved locally after their streams ran: an exchange's `client_id` is
  the first stored contact of the matter's account (PracticePanther lists the primary
  contact first), a task's `exchange_id` the exchange of its `matter_ref`. A reference not
  found yet is left empty and reported; the next run fills it in.
The column mapping is in `integrations.practicepanther.mappings`.
"""

from __future__ import annotations

from typing import Any

from integrations.practicepanther.mappings import (
    MappedRecord,
    contact_values,
    exchange_values,
    ref_id,
    task_values,
)
from integrations.practicepanther.spec import API_ROOT
from integrations.storage.tables_inbound import ContactRow, ExchangeRow, TaskRow
from integrations.sync.context import MapContext
from integrations.sync.definition import (
    OffsetPaging,
    RecordProblem,
    Reference,
    Stream,
    SyncDefinition,
)

__all__ = ["MAX_PAGES", "PAGE_SIZE", "PRACTICEPANTHER_SYNC", "external_id"]

PAGE_SIZE = 100


def external_id(record: dict[str, Any]) -> str:
    """The record's PracticePanther id (a record without one cannot be stored)."""
    value = record.get("id")
    if not value:
        raise RecordProblem("id", "the record has no id")
    return str(value)


def _noted(mapped: MappedRecord, context: MapContext) -> dict[str, Any]:
    for column, reason in mapped.problems:
        context.problem(column, reason)
    return mapped.values


async def map_contact(record: dict[str, Any], context: MapContext) -> dict[str, Any]:
    """Contact columns (see `mappings.contact_values`)."""
    return _noted(contact_values(record), context)


async def map_matter(record: dict[str, Any], context: MapContext) -> dict[str, Any]:
    """Exchange columns, `client_id` resolved from the stored contacts."""
    mapped = exchange_values(record)
    account = mapped.references["client_id"]
    # The account's first stored contact: PracticePanther lists the primary contact first.
    mapped.values["client_id"] = await context.resolve(ContactRow, "account_external_id", account)
    if account and mapped.values["client_id"] is None:
        context.problem("client_id", f"no contact of account {account} is stored yet")
    return _noted(mapped, context)


async def map_task(record: dict[str, Any], context: MapContext) -> dict[str, Any]:
    """Task columns, `exchange_id` resolved from the stored exchanges."""
    mapped = task_values(record)
    matter = mapped.references["exchange_id"]
    mapped.values["exchange_id"] = await context.resolve(ExchangeRow, "pp_matter_id", matter)
    if matter and mapped.values["exchange_id"] is None:
        context.problem("exchange_id", f"matter {matter} is not stored yet")
    return _noted(mapped, context)


def _account_of(record: dict[str, Any]) -> str | None:
    return ref_id(record, "account_ref")


def _matter_of(record: dict[str, Any]) -> str | None:
    return ref_id(record, "matter_ref")


_PAGING = OffsetPaging(page_size=PAGE_SIZE)

# 100 records a page (PracticePanther's largest `$top` is not published). The engine's
# default safety limit (50 pages, 5,000 records) would end every full sync of a real firm
# `partial`; 2,000 pages (200,000 records per stream per run) still stops a vendor that
# never returns a short page.
MAX_PAGES = 2_000

PRACTICEPANTHER_SYNC = SyncDefinition(
    integration="practicepanther",
    max_pages=MAX_PAGES,
    streams=(
        Stream(
            name="contacts",
            path=f"{API_ROOT}/contacts",
            table=ContactRow,
            key_column="external_id",
            external_id=external_id,
            map_record=map_contact,
            paging=_PAGING,
            cursor_field=None,  # no timestamps on contacts: the run's start time
        ),
        Stream(
            name="matters",
            path=f"{API_ROOT}/matters",
            table=ExchangeRow,
            key_column="pp_matter_id",
            external_id=external_id,
            map_record=map_matter,
            paging=_PAGING,
            depends_on=("contacts",),
            references=(Reference(ContactRow, "account_external_id", _account_of),),
        ),
        Stream(
            name="tasks",
            path=f"{API_ROOT}/tasks",
            table=TaskRow,
            key_column="external_id",
            external_id=external_id,
            map_record=map_task,
            paging=_PAGING,
            depends_on=("matters",),
            references=(Reference(ExchangeRow, "pp_matter_id", _matter_of),),
        ),
    ),
)
