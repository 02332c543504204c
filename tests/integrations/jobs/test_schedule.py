"""Property 39: periodic checks run on schedule, on the virtual clock. Two schedulers (two
processes) step through generated time jumps; every cron time passed is queued exactly
once, none early, none twice; and a lease that runs out hands a job to another worker."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import anyio
import pytest
from croniter import croniter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from integrations.config import load_settings
from integrations.core.clock import VirtualClock
from integrations.jobs import JobContext
from integrations.jobs.embedded import EmbeddedRunner
from integrations.jobs.registry import JobSpec
from integrations.jobs.scheduler import PeriodicScheduler, due_times
from integrations.services import Services
from integrations.storage import migrate
from integrations.storage.tables_jobs import JobRow

CRONS = ["*/5 * * * *", "* * * * *", "17 3 * * *", "0 */2 * * *", "*/15 9-17 * * 1-5"]
START = 1_767_225_600.0  # 2026-01-01 00:00 UTC


async def _noop(ctx: JobContext) -> None:
    return None


@pytest.fixture(name="schedule_url")
def _schedule_url(tmp_path: Path) -> str:
    """A migrated SQLite file, shared by a property test's examples (each empties it)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'schedule.db'}"
    migrate.upgrade(url)
    return url


def _services(url: str, tmp_path: Path) -> Services:
    return Services(load_settings(database_url=url, var_dir=tmp_path / "var"))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    crons=st.lists(st.sampled_from(CRONS), min_size=1, max_size=3, unique=True),
    steps=st.lists(st.floats(min_value=1, max_value=3600), min_size=1, max_size=12),
)
def test_each_cron_time_is_deferred_once_by_two_schedulers(
    schedule_url: str, tmp_path: Path, crons: list[str], steps: list[float]
) -> None:
    """Whatever the jumps, the queued runs are exactly the cron times in (start, end]."""
    anyio.run(_check_schedule, _services(schedule_url, tmp_path), crons, steps)


async def _check_schedule(services: Services, crons: list[str], steps: list[float]) -> None:
    clock = VirtualClock(START)
    jobs = {f"job{i}": JobSpec(f"job{i}", _noop, periodic=c) for i, c in enumerate(crons)}
    try:
        async with services.db.sessions.begin() as session:
            await session.execute(delete(JobRow))
        runners = [EmbeddedRunner(services, object(), jobs=jobs, clock=clock) for _ in range(2)]  # type: ignore[arg-type]
        schedulers = [PeriodicScheduler(runner, jobs) for runner in runners]
        for n, step in enumerate(steps):
            clock.advance(step)
            for scheduler in schedulers[n % 2 :] + schedulers[: n % 2]:  # either goes first
                await scheduler.tick()
        async with services.db.sessions() as session:
            rows = (await session.execute(select(JobRow.name, JobRow.scheduled_at))).all()
        start = dt.datetime.fromtimestamp(START, dt.UTC)
        end = dt.datetime.fromtimestamp(clock.now(), dt.UTC)
        expected = sorted(
            (name, at)
            for name, spec in jobs.items()
            for at in _reference(spec.periodic, start, end)  # type: ignore[arg-type]
        )
        assert sorted((name, at) for name, at in rows) == expected
    finally:
        await services.close()


def _reference(cron: str, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """croniter's own iteration, independent of `due_times`."""
    out, at = [], start
    while True:
        at = croniter(cron, at).get_next(dt.datetime)
        if at > end:
            return out
        out.append(at)


def test_due_times_every_five_minutes() -> None:
    """`*/5` over an hour is the twelve five-minute marks after the start, UTC-aware."""
    start = dt.datetime(2026, 1, 1, 0, 2, tzinfo=dt.UTC)
    times = list(due_times("*/5 * * * *", start, start + dt.timedelta(hours=1)))
    assert [t.minute for t in times] == [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 0]
    assert all(t.tzinfo is dt.UTC for t in times)


async def test_expired_lease_hands_the_job_to_another_worker(
    schedule_url: str, tmp_path: Path
) -> None:
    """A worker that claimed a job and died leaves it; after the lease another worker
    claims it (attempt 2) and completes it; before the lease ends nobody can."""
    services = _services(schedule_url, tmp_path)
    clock = VirtualClock(START)
    runs: list[int] = []

    async def work(ctx: JobContext) -> None:
        runs.append(ctx.attempt)

    jobs = {"work": JobSpec("work", work)}
    try:
        dead = EmbeddedRunner(services, object(), jobs=jobs, clock=clock)  # type: ignore[arg-type]
        alive = EmbeddedRunner(services, object(), jobs=jobs, clock=clock)  # type: ignore[arg-type]
        await dead.defer("work")
        assert await dead.store.claim(dead.now(), dead.now() + dt.timedelta(seconds=60))
        assert await alive.store.claim(alive.now(), alive.now() + dt.timedelta(seconds=60)) is None
        clock.advance(61)
        await asyncio.wait_for(alive.run_worker(until_idle=True), 10)
        assert runs == [2]
        async with services.db.sessions() as session:
            assert await session.scalar(select(JobRow.status)) == "succeeded"
    finally:
        await services.close()
