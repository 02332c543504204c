"""Crash resume: a run that dies at any point (an exception mid-batch, or the task
cancelled mid-request) leaves whole batches and their checkpoints; the next run completes
and the local tables equal the vendor's, each record stored once (hypothesis over the
crash point and the changes made meanwhile)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from integrations.core.clock import VirtualClock
from integrations.factory import IntegrationFactory
from integrations.services import Services
from integrations.storage.tables_inbound import ContactRow, ExchangeRow, TaskRow
from integrations.storage.tables_sync import SyncLockRow, SyncRunRow, SyncStateRow
from integrations.sync import MapContext, SyncDefinition, SyncEngine
from tests.integrations.sync import demo_sync
from tests.integrations.sync.test_engine import assert_mirrors
from tests.integrations.sync.tiny_vendor import TinyVendor

TOTAL = 35  # 12 people + 8 projects + 15 todos


class Crash(Exception):
    """Stands for the process dying."""


def crashing(definition: SyncDefinition, at: int) -> SyncDefinition:
    """`definition` whose mapping raises on the `at`-th record mapped (1-based)."""
    seen = [0]

    def wrap(mapper: Any) -> Any:
        async def mapped(record: dict[str, Any], ctx: MapContext) -> dict[str, Any]:
            seen[0] += 1
            if seen[0] == at:
                raise Crash(f"crash at record {at}")
            result: dict[str, Any] = await mapper(record, ctx)
            return result

        return mapped

    streams = tuple(
        dataclasses.replace(s, map_record=wrap(s.map_record)) for s in definition.streams
    )
    return dataclasses.replace(definition, streams=streams)


async def reset(services: Services, vendor: TinyVendor) -> None:
    async with services.db.sessions.begin() as session:
        for table in (TaskRow, ExchangeRow, ContactRow, SyncStateRow, SyncRunRow, SyncLockRow):
            await session.execute(delete(table))
    fresh = TinyVendor()
    fresh.seed(people=12, projects=8, todos=15)
    vendor.records, vendor.minute = fresh.records, fresh.minute
    vendor.requests.clear()
    vendor.on_request = None


async def count_rows(services: Services) -> int:
    async with services.db.sessions() as session:
        total = 0
        for table in (ContactRow, ExchangeRow, TaskRow):
            total += int(await session.scalar(select(func.count()).select_from(table)) or 0)
        return total


async def cancel_at_request(engine: SyncEngine, vendor: TinyVendor, number: int) -> None:
    """Run `engine` full, cancelling it while the vendor answers request `number`."""
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(engine.run("full"))

    async def hook(n: int) -> None:
        if n == number:
            loop.call_soon_threadsafe(task.cancel)
            await asyncio.sleep(0.05)  # (the vendor's own loop) answer after the cancel lands

    vendor.on_request = hook
    with contextlib.suppress(asyncio.CancelledError):
        await task
    vendor.on_request = None


CRASH = st.tuples(st.sampled_from(["exception", "cancel"]), st.integers(1, TOTAL))
CHANGES = st.lists(st.sampled_from([f"p{i:04d}" for i in range(12)]), max_size=4, unique=True)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(crash=CRASH, changed=CHANGES)
async def test_property_a_crashed_full_sync_resumes_without_duplicates_or_gaps(
    services: Services,
    factory: IntegrationFactory,
    clock: VirtualClock,
    vendor: TinyVendor,
    crash: tuple[str, int],
    changed: list[str],
) -> None:
    await reset(services, vendor)
    kind, point = crash
    definition = demo_sync.definition(batch=5)
    if kind == "exception":
        summary = await SyncEngine(services, factory, crashing(definition, point), clock=clock).run(
            "full"
        )
        assert summary.status == "error" and "Crash" in (summary.error_message or "")
    else:
        pages = 3 + 2 + 3  # people, projects, todos at 5 per page
        await cancel_at_request(
            SyncEngine(services, factory, definition, clock=clock), vendor, 1 + point % pages
        )
    stored_before = await count_rows(services)
    vendor.touch("people", changed, name="Changed meanwhile")
    resumed = await SyncEngine(services, factory, definition, clock=clock).run("full")
    assert resumed.status == "success"
    await assert_mirrors(services, vendor)
    assert await count_rows(services) == TOTAL
    # Each record was inserted once: what the crashed run committed plus what the
    # resumed run created make up the whole vendor, nothing twice.
    assert stored_before + resumed.created == TOTAL


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(point=st.integers(1, 10), changed=CHANGES, later=CHANGES)
async def test_property_a_crashed_incremental_sync_resumes_from_its_cursor(
    services: Services,
    factory: IntegrationFactory,
    clock: VirtualClock,
    vendor: TinyVendor,
    point: int,
    changed: list[str],
    later: list[str],
) -> None:
    await reset(services, vendor)
    definition = demo_sync.definition(batch=2, page=2)
    await SyncEngine(services, factory, definition, clock=clock).run("full")
    vendor.touch("people", changed, name="First change")
    vendor.touch("todos", ["t0003", "t0011"], title="Todo change")
    crashed = await SyncEngine(services, factory, crashing(definition, point), clock=clock).run(
        "incremental"
    )
    assert crashed.status in {"error", "success"}  # fewer records than `point`: no crash
    vendor.touch("people", later, name="Second change")
    resumed = await SyncEngine(services, factory, definition, clock=clock).run("incremental")
    assert resumed.status == "success"
    assert resumed.created == 0
    await assert_mirrors(services, vendor)
    assert await count_rows(services) == TOTAL


async def test_a_resumed_full_sync_reads_a_stream_the_dead_run_finished_only_for_changes(
    services: Services, factory: IntegrationFactory, clock: VirtualClock, vendor: TinyVendor
) -> None:
    """The crashed full run finished `people` and died in `projects`: the next full run
    reads people only for their changes since (with `updated_since`), resumes projects from
    its high-water mark, reads todos whole, and the tables mirror the vendor, including a
    person changed meanwhile."""
    await reset(services, vendor)
    definition = demo_sync.definition(batch=5)
    crashed = await SyncEngine(services, factory, crashing(definition, 12 + 6), clock=clock).run(
        "full"
    )
    assert crashed.status == "error"
    vendor.requests.clear()
    vendor.touch("people", ["p0003"], name="Changed meanwhile")
    resumed = await SyncEngine(services, factory, definition, clock=clock).run("full")
    assert resumed.status == "success", resumed.error_message
    assert resumed.details["resumes_run"] == crashed.run_id
    assert set(resumed.details["resumed"]) == {"people", "projects"}
    people = [params for stream, params in vendor.requests if stream == "people"]
    assert people and all("updated_since" in params for params in people)
    assert resumed.per_stream["people"]["processed"] < 12  # not all twelve again
    todos = [params for stream, params in vendor.requests if stream == "todos"]
    assert todos and "updated_since" not in todos[0]
    await assert_mirrors(services, vendor)

    # A full run after a successful one reads everything again.
    vendor.requests.clear()
    again = await SyncEngine(services, factory, definition, clock=clock).run("full")
    assert "resumed" not in again.details and "resumes_run" not in again.details
    people = [params for stream, params in vendor.requests if stream == "people"]
    assert "updated_since" not in people[0]
