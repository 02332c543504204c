"""The change log: `record_change` appends in the caller's transaction; `on_change` listens.

Cursor order equals commit order. On PostgreSQL two transactions could take ids 10 and 11 and
commit 11 first; a reader at 11 would then never see 10. `record_change` therefore takes a
transaction-scoped advisory lock (`pg_advisory_xact_lock(CHANGE_LOG_LOCK)`) before it takes an
id, so change writers are serialised from their first change to their commit, and every id a
reader can see is preceded by every id it will ever see. SQLite has a single writer already.
A writer that changes several records in one transaction calls `hold_change_lock` before its
first row write, so it never waits for the lock while holding row locks another writer needs.

Listeners run after the transaction that appended the change commits (never for a rollback),
once per change, in cursor order; a failing listener is logged and does not affect the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from sqlalchemy import Table, event, insert, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from integrations.logging import get_logger
from integrations.storage.tables import utcnow
from integrations.storage.tables_changes import ChangeRow

__all__ = [
    "CHANGE_KINDS",
    "CHANGE_LOG_LOCK",
    "CHANGE_SOURCES",
    "ChangeEvent",
    "ChangeListener",
    "RecordChange",
    "hold_change_lock",
    "on_change",
    "record_change",
    "record_changes",
]

ChangeKind = Literal["created", "updated", "deleted"]
ChangeSource = Literal["webhook", "sync", "reconciliation", "manual", "api"]
CHANGE_KINDS: tuple[str, ...] = ("created", "updated", "deleted")
CHANGE_SOURCES: tuple[str, ...] = ("webhook", "sync", "reconciliation", "manual", "api")
# An arbitrary constant naming the change-log lock among the database's advisory locks.
CHANGE_LOG_LOCK = 0x1C4A_6E10
_PENDING = "integrations.changes.pending"
_LOCKED = "integrations.changes.locked"

_log = get_logger()


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """One appended change, as listeners and the feed see it."""

    cursor: int
    integration: str
    entity: str
    external_id: str
    kind: str
    changed_fields: tuple[str, ...]
    source: str
    source_id: str | None
    occurred_at: dt.datetime
    data: dict[str, Any] | None = field(default=None, compare=False)

    @classmethod
    def from_row(cls, row: ChangeRow) -> ChangeEvent:
        return cls(
            cursor=row.id,
            integration=row.integration,
            entity=row.entity,
            external_id=row.external_id,
            kind=row.kind,
            changed_fields=tuple(row.changed_fields or ()),
            source=row.source,
            source_id=row.source_id,
            occurred_at=row.occurred_at,
            data=row.data,
        )


ChangeListener = Callable[[ChangeEvent], None]
_listeners: list[ChangeListener] = []


def on_change(listener: ChangeListener) -> Callable[[], None]:
    """Call `listener(change)` after each committed change; returns an unsubscribe function."""
    _listeners.append(listener)

    def unsubscribe() -> None:
        if listener in _listeners:
            _listeners.remove(listener)

    return unsubscribe


async def hold_change_lock(session: AsyncSession) -> None:
    """Serialise this transaction with every other change writer until it ends (idempotent)."""
    sync_session = session.sync_session
    if sync_session.info.get(_LOCKED):
        return
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOG_LOCK})
    sync_session.info[_LOCKED] = True
    _watch(sync_session)


@dataclass(frozen=True, slots=True)
class RecordChange:
    """One record's change, for `record_changes`."""

    external_id: str
    kind: ChangeKind | str
    changed_fields: Sequence[str]
    data: dict[str, Any] | None = None


async def record_change(
    session: AsyncSession,
    *,
    integration: str,
    entity: str,
    external_id: str,
    kind: ChangeKind | str,
    changed_fields: Sequence[str],
    source: ChangeSource | str,
    source_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> int:
    """Append one change in the caller's transaction and return its cursor."""
    change = RecordChange(external_id, kind, changed_fields, data)
    cursors = await record_changes(
        session, integration=integration, entity=entity, changes=[change],
        source=source, source_id=source_id,
    )  # fmt: skip
    return cursors[0]


async def record_changes(
    session: AsyncSession,
    *,
    integration: str,
    entity: str,
    changes: Sequence[RecordChange],
    source: ChangeSource | str,
    source_id: str | None = None,
) -> list[int]:
    """Append `changes` (one entity's) in the caller's transaction with one INSERT; returns
    their cursors, in the order of `changes`. A sync batch of 500 records writes its changes
    in one statement instead of 500 flushes."""
    if source not in CHANGE_SOURCES:
        raise ValueError(f"source must be one of {CHANGE_SOURCES}, not {source!r}")
    for change in changes:
        if change.kind not in CHANGE_KINDS:
            raise ValueError(f"kind must be one of {CHANGE_KINDS}, not {change.kind!r}")
    if not changes:
        return []
    await hold_change_lock(session)
    now = utcnow()
    source_id = source_id[:200] if source_id else None
    rows: list[dict[str, Any]] = [
        {"integration": integration, "entity": entity, "external_id": str(c.external_id)[:200],
         "kind": c.kind, "changed_fields": sorted(set(c.changed_fields)), "source": source,
         "source_id": source_id, "data": c.data, "occurred_at": now}
        for c in changes
    ]  # fmt: skip
    # A Core insert (no ORM bookkeeping per row). Without `sort_by_parameter_order`
    # SQLAlchemy sends multi-row INSERTs (SQLite would otherwise get one statement per row);
    # RETURNING's order is then not promised, so each id is matched to its change by
    # external id (in id order among repeats of one record).
    table = cast(Table, ChangeRow.__table__)
    statement = insert(table).returning(table.c.id, table.c.external_id)
    returned = sorted((await session.execute(statement, rows)).all())
    waiting: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        waiting.setdefault(row["external_id"], []).append(index)
    cursors = [0] * len(rows)
    pending = session.sync_session.info.setdefault(_PENDING, [])
    for cursor, external_id in returned:  # in cursor order, as listeners hear them
        index = waiting[external_id].pop(0)
        row = rows[index]
        cursors[index] = int(cursor)
        pending.append(
            ChangeEvent(int(cursor), integration, entity, external_id, row["kind"],
                        tuple(row["changed_fields"]), source, source_id, now, row["data"])
        )  # fmt: skip
    return cursors


def _watch(sync_session: Session) -> None:
    """Hook the session's end of transaction once: notify on commit, forget on rollback."""
    if event.contains(sync_session, "after_commit", _after_commit):
        return
    event.listen(sync_session, "after_commit", _after_commit)
    event.listen(sync_session, "after_rollback", _after_rollback)


def _after_commit(sync_session: Session) -> None:
    pending: list[ChangeEvent] = sync_session.info.pop(_PENDING, [])
    sync_session.info.pop(_LOCKED, None)
    for change in pending:
        for listener in list(_listeners):
            try:
                listener(change)
            except Exception:  # a listener must never undo or block a committed change
                _log.exception("changes.listener_failed", cursor=change.cursor)


def _after_rollback(sync_session: Session) -> None:
    sync_session.info.pop(_PENDING, None)
    sync_session.info.pop(_LOCKED, None)
