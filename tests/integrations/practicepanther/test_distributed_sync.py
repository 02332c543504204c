"""Acceptance, distributed: two `integrations worker` processes on PostgreSQL (procrastinate)
share the PracticePanther syncs.

- The schedule's tick (`sync_schedules`, a periodic job) is driven for two one-minute
  intervals, each tick twice (as two workers' schedulers would) plus one more inside the
  first interval: exactly one incremental sync runs per interval. The ticks carry their
  minute the way procrastinate's periodic defers do (`timestamp`), so the test does not
  wait for the wall clock's minutes.
- Two triggers at once queue one full sync. Its worker is SIGKILLed once a batch of
  matters has committed; the other worker takes the job over when the dead one's lease
  ends and resumes from the checkpoint: matters are asked for from the committed
  high-water mark (minus the look-back), not from the start, and the tables end equal to
  the simulator's data, each record once."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import anyio
import pytest
from sqlalchemy import text

from integrations.config import load_settings
from integrations.jobs.runner import JobRunner, runner_for
from integrations.practicepanther.streams import PRACTICEPANTHER_SYNC
from integrations.services import Services
from integrations.simulators.practicepanther import PracticePantherSimulator, create_simulator
from integrations.storage import migrate
from integrations.sync.checkpoint import parse_time
from integrations.sync.definition import SyncAlreadyRunningError
from integrations.sync.schedules import ScheduleUpdate, claim_slot, update_schedule
from integrations.sync.trigger import queue_manual_sync
from tests.helpers.http_server import serve_app
from tests.helpers.services import fresh_postgres_database
from tests.helpers.worker_process import workers
from tests.integrations.practicepanther.support import connect, local, source
from tests.integrations.practicepanther.worker_support import (
    PageGate,
    committed_batch,
    kill,
    lock_holder_pid,
    runs,
    wait_for,
    worker_env,
)

pytestmark = [pytest.mark.anyio, pytest.mark.integration]

NAME = "practicepanther"
BATCH = PRACTICEPANTHER_SYNC.batch_size
MATTERS = 900
# The ticks the test drives: a minute far from the wall clock's, so the real per-minute
# ticks of the workers (which name earlier minutes) can never claim a slot after it.
T1 = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).replace(second=0, microsecond=0)


@pytest.fixture(name="sim")
def _sim() -> PracticePantherSimulator:
    sim = create_simulator(seed=31)
    sim.set_volumes(accounts=150, contacts=300, matters=MATTERS, tasks=600)
    return sim


@pytest.fixture(name="gate")
def _gate(sim: PracticePantherSimulator) -> PageGate:
    """Armed for the full sync only: the scheduled syncs before it pass."""
    return PageGate(sim.asgi, "/api/v2/matters", from_skip=BATCH, armed=False)


@pytest.fixture(name="base")
def _base(gate: PageGate) -> Iterator[str]:
    with serve_app(gate) as url:
        try:
            yield url
        finally:
            gate.open()


@pytest.fixture(name="url")
def _url() -> Iterator[str]:
    with fresh_postgres_database() as url:
        yield url


def _slot(at: dt.datetime) -> str:
    return f"{int(at.timestamp() // 60):012d}"


@pytest.fixture(name="services")
async def _services(
    url: str, tmp_path: Path, secret_key: str, base: str
) -> AsyncIterator[Services]:
    """Migrated, connected; an incremental sync every minute, the daily full sync half a day
    away from the driven ticks, and the schedule's claims already at the minute before T1
    (as if it had run until then)."""
    await anyio.to_thread.run_sync(migrate.upgrade, url)
    settings = load_settings(
        database_url=url, var_dir=tmp_path / "var", secret_key=secret_key,
        jobs={"runner": "procrastinate"},
    )  # fmt: skip
    services = Services(settings)
    await connect(services, base, rate_limits=[{"limit": 100_000, "period_seconds": 1}])
    every_minute = ScheduleUpdate.model_validate(
        {"incrementalMinutes": 1, "fullHour": (T1.hour + 12) % 24, "timezone": "UTC"}
    )
    await update_schedule(services.db, NAME, every_minute, by="test", now=dt.datetime.now(dt.UTC))
    day_before = (T1 - dt.timedelta(days=1)).date().isoformat()
    assert await claim_slot(services.db, NAME, "incremental", _slot(T1 - dt.timedelta(minutes=1)))
    assert await claim_slot(services.db, NAME, "full", day_before)
    yield services
    await services.close()


@pytest.fixture(name="runner")
async def _runner(services: Services) -> AsyncIterator[JobRunner]:
    runner = runner_for(services)
    yield runner
    await runner.close()


async def _jobs(services: Services) -> list[dict[str, Any]]:
    async with services.db.sessions() as session:
        rows = await session.execute(
            text("SELECT id, task_name, status::text, queueing_lock FROM procrastinate_jobs")
        )
    return [dict(row._mapping) for row in rows]


async def _two_triggers(services: Services, runner: JobRunner) -> str:
    """Two triggers at once: one queued job, one refusal."""
    answers = await asyncio.gather(
        queue_manual_sync(services, runner, NAME, "full", by="first"),
        queue_manual_sync(services, runner, NAME, "full", by="second"),
        return_exceptions=True,
    )
    queued = [a for a in answers if isinstance(a, str)]
    refused = [a for a in answers if isinstance(a, SyncAlreadyRunningError)]
    assert len(queued) == 1 and len(refused) == 1, answers
    return queued[0]


async def test_two_workers_share_the_syncs(
    services: Services,
    runner: JobRunner,
    sim: PracticePantherSimulator,
    gate: PageGate,
    url: str,
    tmp_path: Path,
    secret_key: str,
) -> None:
    env = worker_env(tmp_path, url, secret_key, "procrastinate")
    with workers(tmp_path, env, 2) as pair:
        t2 = T1 + dt.timedelta(minutes=1)
        for at in (T1, T1, T1 + dt.timedelta(seconds=30), t2, t2):
            assert await runner.defer("sync_schedules", args={"timestamp": int(at.timestamp())})
        await wait_for("scheduled runs", lambda: _settled(services, 2), pair, tmp_path)
        scheduled = await runs(services)
        assert [(r.trigger, r.sync_type, r.status) for r in scheduled] == [
            ("schedule", "incremental", "success")
        ] * 2
        jobs = await _jobs(services)
        locks = sorted(j["queueing_lock"] for j in jobs if j["task_name"] == "sync_run")
        assert locks == [f"sync:{NAME}:incremental:{_slot(at)}" for at in (T1, t2)]

        gate.arm()
        await _two_triggers(services, runner)
        checkpoint = await wait_for(
            "committed matters batch", lambda: committed_batch(services, "matters"), pair, tmp_path
        )
        await wait_for("held page", _true_when(gate.holding.is_set), pair, tmp_path, seconds=10)
        holder = await lock_holder_pid(services)
        victim = next(w for w in pair if w.pid == holder)
        survivor = next(w for w in pair if w.pid != holder)
        before = len(sim.journal.all())
        kill(victim)
        gate.open()
        await wait_for("the resumed run", lambda: _finished(services, 4), [survivor], tmp_path)
        assert survivor.poll() is None
    await _check_resumed(services, sim, checkpoint, before)


async def _check_resumed(
    services: Services, sim: PracticePantherSimulator, checkpoint: dict[str, Any], before: int
) -> None:
    *_, dead, resumed = await runs(services)
    assert dead.status == "error" and "interrupted" in (dead.error_summary or "")
    assert resumed.status == "success", resumed.error_summary
    resumed_streams = (resumed.details or {}).get("resumed") or {}
    assert resumed_streams["matters"] == checkpoint["full_high_water"]
    # contacts, finished by the dead run: only their changes since were read again
    assert resumed_streams["contacts"].endswith(f"finished in run {dead.id})")
    # The resumed run's first matters page starts at the committed mark, not at 0.
    matters = [r for r in sim.journal.all()[before:] if r.path == "/api/v2/matters"]
    since = parse_time(parse_qs(matters[0].query)["updated_since"][0])
    high_water = parse_time(checkpoint["full_high_water"])
    assert since is not None and high_water is not None
    assert since == high_water - dt.timedelta(seconds=PRACTICEPANTHER_SYNC.lookback_seconds)
    assert resumed.stream_counts["matters"]["processed"] <= MATTERS - BATCH + 1
    tables = await local(services)
    assert {k: sorted(v, key=repr) for k, v in tables.items()} == {
        k: sorted(v, key=repr) for k, v in source(sim).items()
    }
    for rows in tables.values():
        assert len(rows) == len({row[0] for row in rows})


def _true_when(check: Any) -> Any:
    async def probe() -> bool | None:
        return True if check() else None

    return probe


async def _finished(services: Services, count: int) -> bool | None:
    """True once `count` runs exist and none is still running."""
    found = await runs(services)
    done = len(found) >= count and all(r.status != "running" for r in found)
    return True if done else None


async def _settled(services: Services, runs_expected: int) -> bool | None:
    """True once every driven tick and every sync it queued has finished, and the runs
    are there (a duplicate would show up as an extra run or an extra job)."""
    jobs = await _jobs(services)
    pending = [j for j in jobs if j["task_name"] in {"sync_run", "sync_schedules"}
               and j["status"] in {"todo", "doing"}]  # fmt: skip
    if pending:
        return None
    return await _finished(services, runs_expected)
