"""A batch of records and its cursor checkpoint, committed in one transaction.

Because the upserts and the stream's new high-water mark commit together, a run that dies
at any point leaves the table and the cursor consistent: every record at or below the
committed cursor is stored, and the next run asks again from there (minus the look-back),
so nothing is missed and upserts by external id never duplicate a row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from integrations.changes import hold_change_lock
from integrations.changes.batch import record_batch
from integrations.changes.snapshot import is_public
from integrations.storage.db import Database
from integrations.storage.tables_sync import SyncStateRow
from integrations.sync.context import MapContext, RecordNote
from integrations.sync.definition import RecordProblem, Stream

__all__ = ["BatchResult", "StreamState", "commit_batch", "parse_time", "read_state"]


def parse_time(value: Any) -> dt.datetime | None:
    """An ISO-8601 time as UTC-aware (naive values are taken as UTC); None if unreadable."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str) and value:
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


@dataclass(slots=True)
class StreamState:
    """A stream's stored cursor and the checkpoint of a full pass in progress, if any."""

    cursor: dt.datetime | None = None
    checkpoint: dict[str, Any] | None = None


@dataclass(slots=True)
class BatchResult:
    created: int = 0
    updated: int = 0
    failed: int = 0
    notes: list[RecordNote] = field(default_factory=list)
    high_water: dt.datetime | None = None


async def read_state(db: Database, integration: str, stream: str) -> StreamState:
    async with db.sessions() as session:
        row = await _state_row(session, integration, stream)
    if row is None:
        return StreamState()
    return StreamState(parse_time(row.cursor), row.checkpoint)


async def _state_row(session: AsyncSession, integration: str, stream: str) -> SyncStateRow | None:
    found: SyncStateRow | None = await session.scalar(
        select(SyncStateRow).where(
            SyncStateRow.integration == integration, SyncStateRow.stream == stream
        )
    )
    return found


async def commit_batch(
    db: Database,
    integration: str,
    stream: Stream,
    records: list[dict[str, Any]],
    *,
    now: dt.datetime,
    cursor: dt.datetime | None,
    checkpoint: Callable[[dt.datetime | None], dict[str, Any] | None],
    run_id: int | str | None = None,
    fence: Callable[[AsyncSession], Awaitable[None]] | None = None,
) -> BatchResult:
    """Map and upsert `records`, then store the cursor and `checkpoint(cursor)`, all in one
    transaction. The cursor stored is the later of `cursor` and the batch's highest
    `cursor_field` value (and never earlier than the stored one); it is returned as
    `high_water`. Records whose mapper raised `RecordProblem` are counted as failed and
    noted; any other exception rolls the whole batch back. Created and changed records are
    appended to the change log (source `sync`, the run id) in the same transaction.
    `fence(session)` runs first in that transaction: it raises when the run lost its lock."""
    result = BatchResult(high_water=cursor)
    async with db.sessions.begin() as session:
        await hold_change_lock(session)  # before any row lock: see integrations.changes.log
        if fence is not None:
            await fence(session)
        context = MapContext(session, integration, stream.name)
        await _preload(stream, records, context)
        rows: dict[str, dict[str, Any]] = {}
        for record in records:
            await _map_one(stream, record, context, rows, result)
        await _upsert(session, integration, stream, rows, now, result, run_id)
        mark = result.high_water
        await _store_state(session, integration, stream.name, mark, checkpoint(mark), now)
    result.notes.extend(context.notes)
    return result


async def _preload(stream: Stream, records: list[dict[str, Any]], context: MapContext) -> None:
    """Resolve the batch's references in one query each, before its records are mapped."""
    for reference in stream.references:
        ids = []
        for record in records:
            try:
                ids.append(reference.of(record))
            except (AttributeError, KeyError, TypeError, ValueError):
                continue  # a malformed record: its mapper reports it
        await context.preload(reference.table, reference.key_column, ids)


async def _map_one(
    stream: Stream,
    record: dict[str, Any],
    context: MapContext,
    rows: dict[str, dict[str, Any]],
    result: BatchResult,
) -> None:
    try:
        external_id = str(stream.external_id(record))
    except (KeyError, TypeError, ValueError) as exc:
        result.failed += 1
        context.record_id = "?"
        context.problem("id", f"no external id: {exc!r}")
        return
    context.record_id = external_id
    try:
        values = await stream.map_record(record, context)
    except RecordProblem as problem:
        result.failed += 1
        context.problem(problem.field, f"record skipped: {problem.reason}")
        return
    rows[external_id] = values  # a record seen twice in one batch: the later copy wins
    if stream.cursor_field is not None:
        stamp = parse_time(record.get(stream.cursor_field))
        if stamp is not None and (result.high_water is None or stamp > result.high_water):
            result.high_water = stamp


async def _upsert(
    session: AsyncSession,
    integration: str,
    stream: Stream,
    rows: dict[str, dict[str, Any]],
    now: dt.datetime,
    result: BatchResult,
    run_id: int | str | None,
) -> None:
    if not rows:
        return
    table: Any = stream.table
    key = getattr(table, stream.key_column)
    # The stored values a change is told from: public fields only (the raw payload, the
    # largest column, is never compared, so it is not read back).
    names = sorted(filter(is_public, set().union(*(values.keys() for values in rows.values()))))
    found = await session.execute(
        select(key, table.id, *(getattr(table, name) for name in names)).where(
            table.integration == integration, key.in_(list(rows))
        )
    )
    existing: dict[str, int] = {}
    before: dict[str, dict[str, Any]] = {}
    for ext, pk, *current in found.all():
        existing[str(ext)] = int(pk)
        before[str(ext)] = dict(zip(names, current, strict=True))
    stamp = {"last_sync_at": now, "updated_at": now}
    inserts = [
        {**values, **stamp, "integration": integration, stream.key_column: ext, "created_at": now}
        for ext, values in rows.items()
        if ext not in existing
    ]
    updates = [
        {**values, **stamp, "id": existing[ext]} for ext, values in rows.items() if ext in existing
    ]
    if inserts:
        # A Core insert of the table: one executemany with NULLs as given. The ORM's bulk
        # insert leaves None out, so rows differing in which values are None went as a
        # statement per run of alike rows (most of a batch, one by one), and it spends
        # ~40 µs per row on attribute bookkeeping these plain rows do not need.
        await session.execute(insert(table.__table__), inserts)
    if updates:
        await session.execute(update(table), updates)
    result.created += len(inserts)
    result.updated += len(updates)
    await record_batch(
        session,
        integration=integration,
        entity=table.__tablename__,
        before=before,
        after=rows,
        source="sync",
        source_id=None if run_id is None else f"sync_run:{run_id}",
    )


async def _store_state(
    session: AsyncSession,
    integration: str,
    stream: str,
    cursor: dt.datetime | None,
    checkpoint: dict[str, Any] | None,
    now: dt.datetime,
) -> None:
    row = await _state_row(session, integration, stream)
    if row is None:
        row = SyncStateRow(integration=integration, stream=stream)
        session.add(row)
    stored = parse_time(row.cursor)
    if cursor is not None and (stored is None or cursor > stored):
        row.cursor = cursor.isoformat()
    row.checkpoint = checkpoint
    row.last_synced_at = now
    row.updated_at = now
