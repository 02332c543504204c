"""Changes for a batch upsert (a sync page): one per created record and per record that changed.

A record the vendor returned again without a difference is not a change, so repeating a sync
page (a resumed run, the look-back window) appends nothing to the feed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from integrations.changes.log import record_change
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
    """Record `after` against `before` (keyed by external id); returns how many were recorded."""
    recorded = 0
    for external_id, values in after.items():
        previous = before.get(external_id)
        fields = changed_fields(previous, values)
        if previous is not None and not fields:
            continue
        await record_change(
            session,
            integration=integration,
            entity=entity,
            external_id=external_id,
            kind="created" if previous is None else "updated",
            changed_fields=fields,
            source=source,
            source_id=source_id,
            data=public_fields(values),
        )
        recorded += 1
    return recorded
