"""Acceptance: crash resume with a real process. A full PracticePanther sync runs in an
`integrations worker` process against the simulator over real HTTP; once a batch of matters
has committed (read from the database) the worker is SIGKILLed mid-run. The next run
starts at once (the dead holder's lock is recognised, no expiry to wait for), closes the
dead run, resumes matters from the committed checkpoint, and completes: the local tables
equal the simulator's data, each record once. SQLite (embedded runner) and PostgreSQL
(procrastinate)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import anyio
import pytest

from integrations.config import load_settings
from integrations.factory import IntegrationFactory
from integrations.jobs.runner import runner_for
from integrations.practicepanther.streams import PRACTICEPANTHER_SYNC
from integrations.services import Services
from integrations.simulators.practicepanther import PracticePantherSimulator, create_simulator
from integrations.storage import migrate
from integrations.sync.checkpoint import parse_time
from integrations.sync.engine import SyncEngine
from integrations.sync.locks import sync_is_running
from integrations.sync.schedules import ScheduleUpdate, update_schedule
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

BATCH = PRACTICEPANTHER_SYNC.batch_size  # 500: five pages of 100


@pytest.fixture(name="sim")
def _sim() -> PracticePantherSimulator:
    sim = create_simulator(seed=23)
    sim.set_volumes(accounts=150, contacts=300, matters=900, tasks=600)
    return sim


@pytest.fixture(name="gate")
def _gate(sim: PracticePantherSimulator) -> PageGate:
    """Parks the run on the matters page after its first batch (which has committed)."""
    return PageGate(sim.asgi, "/api/v2/matters", from_skip=BATCH)


@pytest.fixture(name="base")
def _base(gate: PageGate) -> Iterator[str]:
    with serve_app(gate) as url:
        try:
            yield url
        finally:
            gate.open()  # a held request must not keep the server from stopping


@pytest.fixture(name="backend", params=["sqlite", "postgresql"])
def _backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'crash.db'}", "embedded"
        return
    with fresh_postgres_database() as url:
        yield url, "procrastinate"


@pytest.fixture(name="migrated")
async def _migrated(
    backend: tuple[str, str], tmp_path: Path, secret_key: str, base: str
) -> AsyncIterator[Services]:
    """A migrated database (workers insist), practicepanther connected to the simulator,
    the schedule paused (only the test's sync runs)."""
    url, runner = backend
    await anyio.to_thread.run_sync(migrate.upgrade, url)
    settings = load_settings(
        database_url=url,
        var_dir=tmp_path / "var",
        secret_key=secret_key,
        jobs={"runner": runner},
    )
    services = Services(settings)
    await connect(services, base, rate_limits=[{"limit": 100_000, "period_seconds": 1}])
    pause = ScheduleUpdate(paused=True)
    await update_schedule(services.db, "practicepanther", pause, by="test", now=_now())
    yield services
    await services.close()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _sorted(tables: dict[str, Any]) -> dict[str, list[Any]]:
    return {name: sorted(rows, key=repr) for name, rows in tables.items()}


async def test_a_worker_killed_mid_sync_resumes_from_its_checkpoint(
    migrated: Services,
    backend: tuple[str, str],
    sim: PracticePantherSimulator,
    gate: PageGate,
    tmp_path: Path,
    secret_key: str,
) -> None:
    services = migrated
    url, runner_kind = backend
    runner = runner_for(services)
    try:
        await queue_manual_sync(services, runner, "practicepanther", "full", by="test")
    finally:
        await runner.close()
    env = worker_env(tmp_path, url, secret_key, runner_kind)
    with workers(tmp_path, env, 1) as (worker,):
        checkpoint = await wait_for(
            "committed matters batch",
            lambda: committed_batch(services, "matters"),
            [worker],
            tmp_path,
        )
        assert await lock_holder_pid(services) == worker.pid
        assert await sync_is_running(services.db, "practicepanther", _now())
        await wait_for("held page", _held(gate), [worker], tmp_path, seconds=10)
        kill(worker)
    gate.open()
    # Freed well before the lock row's 45 s expiry: PostgreSQL drops the dead session's
    # advisory lock as its connection closes; on SQLite the owner's PID is gone.
    await wait_for("lock freed", _freed(services), [], tmp_path, seconds=10)

    before = len(sim.journal.all())
    factory = IntegrationFactory(services)
    try:
        resumed = await SyncEngine(services, factory, PRACTICEPANTHER_SYNC).run("full")
    finally:
        await factory.close()
    assert resumed.status == "success", resumed.error_message

    dead, last = await runs(services)
    assert (dead.status, last.id) == ("error", resumed.run_id)
    assert "interrupted" in (dead.error_summary or "")
    # Matters resumed from the committed high-water mark (minus the look-back), not from 0;
    # contacts, finished by the dead run, were read again only for their changes since.
    assert resumed.details["resumes_run"] == dead.id
    assert resumed.details["resumed"]["matters"] == checkpoint["full_high_water"]
    assert resumed.details["resumed"]["contacts"].endswith(f"finished in run {dead.id})")
    contacts = [r for r in sim.journal.all()[before:] if r.path == "/api/v2/contacts"]
    assert contacts and all(_param(r.query, "updated_since") for r in contacts)
    matters = [r for r in sim.journal.all()[before:] if r.path == "/api/v2/matters"]
    since = parse_time(_param(matters[0].query, "updated_since"))
    high_water = parse_time(checkpoint["full_high_water"])
    assert since is not None and high_water is not None
    assert since == high_water - dt.timedelta(seconds=PRACTICEPANTHER_SYNC.lookback_seconds)
    assert resumed.per_stream["matters"]["processed"] <= 900 - BATCH + 1  # + the boundary one

    tables = await local(services)
    assert _sorted(tables) == _sorted(source(sim))
    for rows in tables.values():  # each record once: as many rows as distinct ids
        assert len(rows) == len({row[0] for row in rows})


def _freed(services: Services) -> Any:
    async def probe() -> bool | None:
        return None if await sync_is_running(services.db, "practicepanther", _now()) else True

    return probe


def _held(gate: PageGate) -> Any:
    async def probe() -> bool | None:
        return True if gate.holding.is_set() else None

    return probe


def _param(query: str, name: str) -> str:
    return parse_qs(query)[name][0]
