"""The changes feed: pages of committed changes after a cursor, oldest first.

Because change writers are serialised (see `log.py`), a page never skips a change that commits
later: reading from `next_cursor` onwards yields every change exactly once, in cursor order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from integrations.changes.log import ChangeEvent
from integrations.changes.snapshot import jsonable
from integrations.storage.tables_changes import ChangeRow

__all__ = ["MAX_PAGE", "ChangePage", "change_payload", "read_changes"]

MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class ChangePage:
    """Changes after a cursor; `next_cursor` is where the next read resumes (never behind)."""

    changes: tuple[ChangeEvent, ...]
    next_cursor: int
    has_more: bool = False


async def read_changes(
    session: AsyncSession,
    *,
    after: int = 0,
    integration: str | None = None,
    entity: str | None = None,
    limit: int = 100,
) -> ChangePage:
    """Up to `limit` changes with a cursor above `after`, filtered, in cursor order."""
    if after < 0:
        raise ValueError("after must be 0 or more")
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"limit must be 1 to {MAX_PAGE}")
    query = select(ChangeRow).where(ChangeRow.id > after)
    if integration:
        query = query.where(ChangeRow.integration == integration)
    if entity:
        query = query.where(ChangeRow.entity == entity)
    rows = (await session.scalars(query.order_by(ChangeRow.id).limit(limit + 1))).all()
    changes = tuple(ChangeEvent.from_row(row) for row in rows[:limit])
    return ChangePage(
        changes=changes,
        next_cursor=changes[-1].cursor if changes else after,
        has_more=len(rows) > limit,
    )


def change_payload(change: ChangeEvent) -> dict[str, Any]:
    """One change as the feed (`GET /api/v1/changes`) and `integrations changes tail` show it."""
    return {
        "cursor": change.cursor,
        "integration": change.integration,
        "entity": change.entity,
        "external_id": change.external_id,
        "kind": change.kind,
        "changed_fields": list(change.changed_fields),
        "source": change.source,
        "source_id": change.source_id,
        "occurred_at": change.occurred_at.isoformat(),
        "data": jsonable(change.data),
    }
