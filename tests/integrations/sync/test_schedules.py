"""Schedules: validation, which syncs are due when, and each scheduled sync deferred once
across two workers ticking the same minutes (virtual time: the ticks are given times)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from integrations.config import load_settings
from integrations.jobs.context import JobContext
from integrations.jobs.embedded import EmbeddedRunner
from integrations.services import Services
from integrations.storage.tables_jobs import JobRow
from integrations.storage.tables_sync import SyncScheduleRow
from integrations.sync.jobs import tick_schedules
from integrations.sync.schedules import ScheduleUpdate, due_syncs, read_schedule, update_schedule
from tests.integrations.sync import demo_sync

SEOUL = dt.timezone(dt.timedelta(hours=9))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("incrementalMinutes", 0),
        ("incrementalMinutes", 1441),
        ("fullHour", 24),
        ("fullHour", -1),
        ("fullMinute", 60),
        ("timezone", "Mars/Olympus"),
        ("paused", "maybe"),
    ],
)
def test_schedule_update_refuses_out_of_range_values_naming_the_field(
    field: str, value: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        ScheduleUpdate.model_validate({field: value})
    assert refused.value.errors()[0]["loc"] == (field,)


def test_schedule_update_accepts_the_bounds() -> None:
    update = ScheduleUpdate.model_validate(
        {"incrementalMinutes": 1440, "fullHour": 23, "fullMinute": 59, "timezone": "UTC"}
    )
    assert (update.incremental_minutes, update.full_hour, update.full_minute) == (1440, 23, 59)


def _schedule(**fields: Any) -> SyncScheduleRow:
    values: dict[str, Any] = {
        "integration": "x",
        "incremental_minutes": 15,
        "full_hour": 2,
        "full_minute": 0,
        "timezone": "Asia/Seoul",
        "paused": False,
    }
    return SyncScheduleRow(**(values | fields))


def test_due_syncs_full_in_its_local_hour_and_incremental_slots() -> None:
    at_two = dt.datetime(2026, 3, 1, 2, 0, tzinfo=SEOUL)
    assert due_syncs(_schedule(), at_two) == [("full", "2026-03-01")]  # covers its slot
    assert due_syncs(_schedule(), at_two + dt.timedelta(minutes=14))[0][0] == "full"
    assert [t for t, _ in due_syncs(_schedule(), at_two + dt.timedelta(minutes=15))] == [
        "full",
        "incremental",
    ]
    assert [t for t, _ in due_syncs(_schedule(), at_two + dt.timedelta(hours=1))] == ["incremental"]
    later = at_two + dt.timedelta(hours=1)
    slots = {due_syncs(_schedule(), later + dt.timedelta(minutes=m))[-1][1] for m in range(60)}
    assert len(slots) == 4  # every 15 minutes
    assert due_syncs(_schedule(paused=True), at_two) == []


async def test_schedule_is_stored_and_read_back(services: Services) -> None:
    assert (await read_schedule(services.db, "syncdemo")).incremental_minutes == 15  # default
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    await update_schedule(
        services.db, "syncdemo", ScheduleUpdate(incremental_minutes=5), by="alice", now=now
    )
    stored = await read_schedule(services.db, "syncdemo")
    assert (stored.incremental_minutes, stored.full_hour, stored.updated_by) == (5, 2, "alice")


class _Factory:
    async def close(self) -> None:
        return None


async def test_two_workers_defer_each_scheduled_sync_once(
    services: Services, installed: None, tmp_path: Any, secret_key: str
) -> None:
    """Two embedded runners tick every minute from 01:50 to 02:49 Seoul time at once:
    the full sync is deferred once, and one incremental per 15-minute slot."""
    from integrations.runtime_config import IntegrationSettingsUpdate

    await services.update_config(
        demo_sync.NAME, IntegrationSettingsUpdate(enabled=True), changed_by="t"
    )
    settings = load_settings(
        database_url=services.settings.resolved_database_url,
        var_dir=tmp_path / "var",
        secret_key=secret_key,
        jobs={"runner": "embedded"},
    )
    workers = [Services(settings) for _ in range(2)]
    runners = [EmbeddedRunner(w, _Factory()) for w in workers]  # type: ignore[arg-type]
    contexts = [JobContext(w, _Factory()) for w in workers]  # type: ignore[arg-type]
    start = dt.datetime(2026, 3, 1, 1, 50, tzinfo=SEOUL)
    try:
        for minute in range(60):
            at = start + dt.timedelta(minutes=minute)
            await asyncio.gather(
                *(tick_schedules(c, r, at) for c, r in zip(contexts, runners, strict=True))
            )
    finally:
        for w in workers:
            await w.close()
    async with services.db.sessions() as session:
        jobs = list(await session.scalars(select(JobRow).where(JobRow.name == "sync_run")))
    kinds = sorted(j.args["sync_type"] for j in jobs if j.args["integration"] == demo_sync.NAME)
    assert kinds.count("full") == 1
    # 01:50-02:49 covers the slots starting 01:45 (seen at 01:50), 02:00 (taken by the
    # full sync), 02:15, 02:30 and 02:45: four incremental runs besides the full one.
    assert kinds.count("incremental") == 4
    assert all(j.args["trigger"] == "schedule" for j in jobs)
