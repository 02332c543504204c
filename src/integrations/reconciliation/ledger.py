"""What reconciliation remembers per (integration, entity): where it stopped and what it found.

Kept in `sync_state` under the stream `reconciliation:<entity>` (no table of its own): the
cursor is the vendor-side high-water mark of the last check (a modification date, a response
token) and the checkpoint holds the counts, `gaps_total` being the durable gap counter that
`/metrics` and `integrations changes` read (changes applied by reconciliation, i.e. changes
whose webhook never arrived).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from integrations.services import Services
from integrations.storage.tables import utcnow
from integrations.storage.tables_sync import SyncStateRow

__all__ = [
    "ReconciliationLedger",
    "ReconciliationRun",
    "read_ledger",
    "read_ledgers",
    "record_run",
]

STREAM_PREFIX = "reconciliation:"


@dataclass(frozen=True, slots=True)
class ReconciliationLedger:
    """The stored state of one reconciled entity."""

    integration: str
    entity: str
    cursor: str | None = None
    runs: int = 0
    checked_total: int = 0
    gaps_total: int = 0


@dataclass(frozen=True, slots=True)
class ReconciliationRun:
    """One run: how many records it compared and the ids it had to heal."""

    integration: str
    entity: str
    checked: int
    gaps: list[str] = field(default_factory=list)
    cursor: str | None = None

    @property
    def gap_rate(self) -> float:
        return len(self.gaps) / self.checked if self.checked else 0.0


def _stream(entity: str) -> str:
    return f"{STREAM_PREFIX}{entity}"


def _ledger(row: SyncStateRow) -> ReconciliationLedger:
    counts: dict[str, Any] = row.checkpoint or {}
    return ReconciliationLedger(
        row.integration,
        row.stream.removeprefix(STREAM_PREFIX),
        row.cursor,
        int(counts.get("runs", 0)),
        int(counts.get("checked_total", 0)),
        int(counts.get("gaps_total", 0)),
    )


async def read_ledger(services: Services, integration: str, entity: str) -> ReconciliationLedger:
    """The ledger of `(integration, entity)` (zeros before the first run)."""
    async with services.db.sessions() as session:
        row = await session.scalar(
            select(SyncStateRow).where(
                SyncStateRow.integration == integration, SyncStateRow.stream == _stream(entity)
            )
        )
    return ReconciliationLedger(integration, entity) if row is None else _ledger(row)


async def read_ledgers(services: Services) -> list[ReconciliationLedger]:
    """Every reconciled (integration, entity) with its totals, for `/metrics`."""
    async with services.db.sessions() as session:
        rows = await session.scalars(
            select(SyncStateRow)
            .where(SyncStateRow.stream.startswith(STREAM_PREFIX))
            .order_by(SyncStateRow.integration, SyncStateRow.stream)
        )
        return [_ledger(row) for row in rows]


async def record_run(services: Services, run: ReconciliationRun) -> ReconciliationLedger:
    """Add `run` to the ledger (cursor moves only forward: None keeps the old one)."""
    async with services.db.sessions.begin() as session:
        row = await session.scalar(
            select(SyncStateRow)
            .where(
                SyncStateRow.integration == run.integration,
                SyncStateRow.stream == _stream(run.entity),
            )
            .with_for_update()
        )
        if row is None:
            row = SyncStateRow(integration=run.integration, stream=_stream(run.entity))
            session.add(row)
        counts: dict[str, Any] = dict(row.checkpoint or {})
        counts["runs"] = int(counts.get("runs", 0)) + 1
        counts["checked_total"] = int(counts.get("checked_total", 0)) + run.checked
        counts["gaps_total"] = int(counts.get("gaps_total", 0)) + len(run.gaps)
        counts["last_gaps"] = run.gaps[:100]
        row.checkpoint = counts
        row.cursor = run.cursor or row.cursor
        row.last_synced_at = row.updated_at = utcnow()
    return await read_ledger(services, run.integration, run.entity)
