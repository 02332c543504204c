"""Changes for a batch upsert (a sync page): one per created record and per record that changed.

A record the vendor returned again without a difference is not a change, so repeating a sync
page (a resumed run, the look-back window) appends nothing to the feed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from integrations.changes.log import RecordChange, record_changes
from integrations.changes.snapshot import changed_fields, public_fields

__all__ = ["record_batch"]


async def record_batch(
    session: AsyncSession,
    *,
    integration: str,
    entity: str,
    before: Mapping[str, Mapping[str, Any]],
    after: Mapping[str, Mapping[str, Any]],
    source: str,
    source_id: str | None = None,
) -> int:
    """Record `after` against `before` (keyed by external id), in one INSERT; returns how
    many were recorded."""
    changes = []
    for external_id, values in after.items():
        previous = before.get(external_id)
        if previous is None:
            data = public_fields(values)
            changes.append(RecordChange(external_id, "created", sorted(data), data))
            continue
        fields = changed_fields(previous, values)
        if fields:
            changes.append(RecordChange(external_id, "updated", fields, public_fields(values)))
    await record_changes(
        session, integration=integration, entity=entity, changes=changes,
        source=source, source_id=source_id,
    )  # fmt: skip
    return len(changes)
