"""One run at a time, stop requests at batch boundaries, status (stale locks:
test_lock_holders.py)."""

from __future__ import annotations

import asyncio

import pytest

from integrations.core.clock import VirtualClock
from integrations.factory import IntegrationFactory
from integrations.services import Services
from integrations.storage.tables_sync import SyncLockRow, SyncRunRow
from integrations.sync import SyncAlreadyRunningError, SyncEngine, request_stop, sync_status
from tests.integrations.sync import demo_sync
from tests.integrations.sync.tiny_vendor import TinyVendor


async def test_two_runs_at_once_give_one_run_and_one_already_running(
    services: Services, factory: IntegrationFactory, clock: VirtualClock, vendor: TinyVendor
) -> None:
    """The second run is refused while the first holds the lock; one sync_runs row."""
    gate = asyncio.Event()
    loop = asyncio.get_running_loop()

    async def hold(n: int) -> None:
        if n == 1:
            loop.call_soon_threadsafe(gate.set)
            await asyncio.sleep(0.3)  # the vendor's loop: keeps the first run in its request

    vendor.on_request = hold
    first = asyncio.ensure_future(
        SyncEngine(services, factory, demo_sync.definition(), clock=clock).run("full")
    )
    await gate.wait()
    with pytest.raises(SyncAlreadyRunningError) as refused:
        await SyncEngine(services, factory, demo_sync.definition(), clock=clock).run("full")
    assert refused.value.http_status == 409
    assert (await first).status == "success"
    async with services.db.sessions() as session:
        runs = list(await session.scalars(SyncRunRow.__table__.select()))
        assert await session.get(SyncLockRow, demo_sync.NAME) is None  # released
    assert len(runs) == 1


async def test_stop_request_ends_the_run_stopped_at_a_batch_boundary(
    services: Services, factory: IntegrationFactory, clock: VirtualClock, vendor: TinyVendor
) -> None:
    """A stop asked while page 2 is read (answered once the stop is stored): the batch in
    progress commits, the run ends `stopped` with whole batches stored, and the next run
    completes the rest."""
    definition = demo_sync.definition(batch=5)
    engine = SyncEngine(services, factory, definition, clock=clock)
    loop = asyncio.get_running_loop()

    async def stop_on_second(n: int) -> None:
        if n == 2:
            future = asyncio.run_coroutine_threadsafe(request_stop(services, demo_sync.NAME), loop)
            await asyncio.wrap_future(future)

    vendor.on_request = stop_on_second
    summary = await engine.run("full")
    vendor.on_request = None
    assert summary.status == "stopped"
    assert summary.details["stopped_at"] == "people"
    # Page 2 is read while batch 1 commits (the reader runs one page ahead): the stop is
    # seen after batch 1 or, at the latest, after batch 2. Whole batches of 5 either way.
    assert summary.processed in (5, 10)
    assert summary.per_stream == {"people": summary.per_stream["people"]}
    rest = await engine.run("incremental")
    assert rest.status == "success"
    status = await sync_status(services, demo_sync.NAME)
    assert [r["status"] for r in status["recent"]] == ["success", "stopped"]
    assert status["running"] == [] and status["lock"] is None
    assert set(status["streams"]) == {"people", "projects", "todos"}
