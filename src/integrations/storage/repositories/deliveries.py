"""Where email and SMS sends record each message's delivery status.

`DeliveryLog` is the one plug point: `MemoryDeliveryLog` for a client used on its own (a
script, a unit test), `DatabaseDeliveryLog` (table `message_deliveries`) when the operation
runs through a factory with a database, so `track_delivery_status` answers across processes
and restarts. A record is saved at every step (queued, then sent or failed), so a crash in
the middle of a bulk send leaves "queued" rows, never missing ones.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Literal, Protocol

from sqlalchemy import select

from integrations.storage.db import Database
from integrations.storage.tables import utcnow
from integrations.storage.tables_messaging import MessageDeliveryRow

__all__ = [
    "DatabaseDeliveryLog",
    "DeliveryLog",
    "DeliveryRecord",
    "DeliveryStatus",
    "MemoryDeliveryLog",
]

DeliveryStatus = Literal["queued", "sent", "failed"]


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """One message's delivery as stored; `recipient` is already masked."""

    message_id: str
    channel: Literal["email", "sms"]
    recipient: str
    status: DeliveryStatus
    subject: str | None = None
    attempts: int = 0
    error_code: str | None = None
    error_reason: str | None = None
    provider_message_id: str | None = None
    batch_id: str | None = None
    updated_at: dt.datetime = dataclasses.field(default_factory=utcnow)


class DeliveryLog(Protocol):
    """Saves (insert or update by `message_id`) and reads delivery records."""

    async def save(self, record: DeliveryRecord) -> None: ...

    async def get(self, message_id: str) -> DeliveryRecord | None: ...


class MemoryDeliveryLog:
    """Delivery records in this process (lost on exit)."""

    def __init__(self) -> None:
        self.records: dict[str, DeliveryRecord] = {}

    async def save(self, record: DeliveryRecord) -> None:
        self.records[record.message_id] = record

    async def get(self, message_id: str) -> DeliveryRecord | None:
        return self.records.get(message_id)


_FIELDS = tuple(f.name for f in dataclasses.fields(DeliveryRecord))


class DatabaseDeliveryLog:
    """Delivery records in `message_deliveries`; each save commits on its own."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def save(self, record: DeliveryRecord) -> None:
        values = {name: getattr(record, name) for name in _FIELDS}
        async with self._db.sessions() as session:
            row = await session.scalar(
                select(MessageDeliveryRow).where(MessageDeliveryRow.message_id == record.message_id)
            )
            if row is None:
                session.add(MessageDeliveryRow(**values, created_at=record.updated_at))
            else:
                for name, value in values.items():
                    setattr(row, name, value)
            await session.commit()

    async def get(self, message_id: str) -> DeliveryRecord | None:
        async with self._db.sessions() as session:
            row = await session.scalar(
                select(MessageDeliveryRow).where(MessageDeliveryRow.message_id == message_id)
            )
        if row is None:
            return None
        values = {name: getattr(row, name) for name in _FIELDS}
        return DeliveryRecord(**values)
