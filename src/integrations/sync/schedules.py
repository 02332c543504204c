"""Sync schedules: an incremental sync every N minutes and a daily full sync at HH:MM in a
time zone, per integration, changeable at runtime (`sync_schedules`).

`due_syncs` says which syncs a schedule wants at a given minute; `claim_slot` makes each
(integration, type, slot) run once however many workers look: the claim is one conditional
update of a `sync_state` row named `schedule:<type>`, which only one transaction can win.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from integrations.storage.db import Database
from integrations.storage.tables_sync import SyncScheduleRow, SyncStateRow

__all__ = [
    "FULL_WINDOW",
    "ScheduleUpdate",
    "claim_slot",
    "due_syncs",
    "read_schedule",
    "schedule_payload",
    "update_schedule",
]

FULL_WINDOW = dt.timedelta(hours=1)  # a full sync missed by more than this waits a day


class ScheduleUpdate(BaseModel):
    """A change of schedule; fields left out keep their value."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    incremental_minutes: Annotated[int | None, Field(ge=1, le=1440, alias="incrementalMinutes")] = (
        None
    )
    full_hour: Annotated[int | None, Field(ge=0, le=23, alias="fullHour")] = None
    full_minute: Annotated[int | None, Field(ge=0, le=59, alias="fullMinute")] = None
    timezone: Annotated[str | None, Field(max_length=64)] = None
    paused: bool | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and value not in available_timezones():
            raise ValueError("not an IANA time zone name (like Asia/Seoul or UTC)")
        return value


def schedule_payload(row: SyncScheduleRow) -> dict[str, Any]:
    return {
        "integration": row.integration,
        "incrementalMinutes": row.incremental_minutes,
        "fullHour": row.full_hour,
        "fullMinute": row.full_minute,
        "timezone": row.timezone,
        "paused": row.paused,
        "updatedAt": row.updated_at.isoformat() if row.updated_at else None,
        "updatedBy": row.updated_by,
    }


def _default(integration: str) -> SyncScheduleRow:
    return SyncScheduleRow(
        integration=integration,
        incremental_minutes=15,
        full_hour=2,
        full_minute=0,
        timezone="Asia/Seoul",
        paused=False,
    )


async def read_schedule(db: Database, integration: str) -> SyncScheduleRow:
    """The stored schedule, or the default one (every 15 min; full at 02:00 Asia/Seoul)."""
    async with db.sessions() as session:
        row = await session.get(SyncScheduleRow, integration)
    return row if row is not None else _default(integration)


async def update_schedule(
    db: Database, integration: str, change: ScheduleUpdate, *, by: str, now: dt.datetime
) -> SyncScheduleRow:
    async with db.sessions.begin() as session:
        row = await session.get(SyncScheduleRow, integration)
        if row is None:
            row = _default(integration)
            session.add(row)
        for key, value in change.model_dump(exclude_none=True).items():
            setattr(row, key, value)
        row.updated_at = now
        row.updated_by = by
    return row


def due_syncs(row: SyncScheduleRow, at: dt.datetime) -> list[tuple[str, str]]:
    """(sync type, slot) pairs the schedule wants at `at`: the daily full sync during the
    hour after its local time (claimed once a day), and the current incremental slot
    unless the full sync was planned in it. Slots only grow: older claims are refused."""
    if row.paused:
        return []
    try:
        zone = ZoneInfo(row.timezone)
    except ZoneInfoNotFoundError:
        zone = ZoneInfo("UTC")
    local = at.astimezone(zone)
    planned = local.replace(hour=row.full_hour, minute=row.full_minute, second=0, microsecond=0)
    due = []
    minutes = int(at.timestamp() // 60)
    slot = minutes - minutes % row.incremental_minutes
    full_due = dt.timedelta(0) <= local - planned < FULL_WINDOW
    if full_due:
        due.append(("full", planned.date().isoformat()))
    # The full sync stands in for the incremental slot it was planned in.
    if not (full_due and slot <= int(planned.timestamp() // 60) < slot + row.incremental_minutes):
        due.append(("incremental", f"{slot:012d}"))
    return due


async def claim_slot(db: Database, integration: str, sync_type: str, slot: str) -> bool:
    """True for exactly one caller per (integration, type, slot), whichever process calls."""
    stream = f"schedule:{sync_type}"
    state: Any = SyncStateRow.__table__
    async with db.sessions.begin() as session:
        result = await session.execute(
            update(state)
            .where(
                state.c.integration == integration,
                state.c.stream == stream,
                or_(state.c.cursor.is_(None), state.c.cursor < slot),
            )
            .values(cursor=slot, updated_at=dt.datetime.now(dt.UTC))
        )
        if getattr(result, "rowcount", 0):
            return True
    try:
        async with db.sessions.begin() as session:
            session.add(SyncStateRow(integration=integration, stream=stream, cursor=slot))
    except IntegrityError:
        return False  # the row exists: another caller claimed this slot (or a later one)
    return True
