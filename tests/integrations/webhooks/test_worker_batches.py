"""The worker's batches: one transaction per batch, and every event still on its own.

A handler failing in the middle of a batch must cost its event alone an attempt; the other
events' database effects must land exactly once; lost claims and a lease running out during a
batch must leave the event to whichever worker holds it now.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from structlog.testing import capture_logs

from integrations.services import Services
from integrations.storage.tables import AlertRow
from integrations.storage.tables_inbound import WebhookEventRow
from integrations.webhooks.dispatch import InboxEvent
from integrations.webhooks.queue import EventQueue
from integrations.webhooks.runtime import WebhookRuntime
from tests.integrations.webhooks.test_inbound import _incoming, _row, enable


async def _alerts(services: Services) -> list[str]:
    async with services.db.sessions() as session:
        return sorted(await session.scalars(select(AlertRow.message)))


async def _runtime(services: Services, *events: str) -> WebhookRuntime:
    await enable(services)
    runtime = WebhookRuntime.build(services)
    runtime.worker.max_attempts = 3
    runtime.worker._concurrency = 1  # one batch holds every claimed event
    for event_id in events:
        await runtime.receiver.inbox.store(_incoming(event_id))
    return runtime


async def _forget_earlier_examples(services: Services) -> None:
    # The database outlives hypothesis's examples: an earlier example's failed events would
    # come due during this one after their one-second backoff.
    async with services.db.sessions.begin() as session:
        await session.execute(delete(WebhookEventRow))
        await session.execute(delete(AlertRow))


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(failing=st.sets(st.integers(0, 7)))
async def test_a_failing_handler_costs_its_event_alone(
    services: Services, failing: set[int]
) -> None:
    """Eight events in one batch, some handlers failing: each succeeding event's write lands
    exactly once and its handler runs at most twice, each failing event is retried later with
    one attempt logged and its handler run once, whatever the positions of the failures."""
    await _forget_earlier_examples(services)
    tag = f"b{time.monotonic_ns()}"
    ids = [f"{tag}-{i}" for i in range(8)]
    runtime = await _runtime(services, *ids)
    runs: dict[str, int] = {}

    async def handler(event: InboxEvent, session: AsyncSession) -> None:
        runs[event.event_id] = runs.get(event.event_id, 0) + 1
        session.add(AlertRow(integration="generic", kind="probe", message=event.event_id))
        if int(event.event_id.rsplit("-", 1)[1]) in failing:
            raise RuntimeError("handler failed")

    runtime.handlers.register("generic", "*", handler)
    # One claim and one batch, not `run_once()`: its next claim would take a failed event
    # again if the pass outlasted the one-second backoff (it did, on a loaded machine).
    claims = await runtime.worker.queue.claim(100)
    assert len(claims) == 8
    await runtime.worker._run_batch(claims)
    ok = [e for i, e in enumerate(ids) if i not in failing]
    assert await _alerts(services) == sorted(ok)
    for i, event_id in enumerate(ids):
        row = await _row(services, event_id)
        outcomes = [a["outcome"] for a in row.attempt_log]
        if i in failing:
            assert (row.status, outcomes, runs[event_id]) == ("pending", ["retry"], 1)
        else:
            assert (row.status, outcomes) == ("processed", ["processed"])
            assert runs[event_id] <= 2  # a rerun only after a failure later in its batch


async def test_a_write_refused_by_the_database_is_its_events_failure(services: Services) -> None:
    """A handler's write that fails at flush (NOT NULL here) fails that event only."""
    runtime = await _runtime(services, "w-1", "w-2", "w-3")

    async def handler(event: InboxEvent, session: AsyncSession) -> None:
        message = None if event.event_id == "w-2" else event.event_id
        session.add(AlertRow(integration="generic", kind="probe", message=message))

    runtime.handlers.register("generic", "*", handler)
    await runtime.worker.run_once()
    assert await _alerts(services) == ["w-1", "w-3"]
    failed = await _row(services, "w-2")
    assert failed.status == "pending" and "IntegrityError" in (failed.last_error or "")


async def test_a_claim_lost_before_the_batch_is_left_to_its_new_owner(
    services: Services,
) -> None:
    """Of three claimed events, one was re-claimed by another worker before the batch read
    it: the batch processes the other two and leaves that one alone."""
    runtime = await _runtime(services, "l-1", "l-2", "l-3")
    claims = await runtime.worker.queue.claim(10)
    async with (
        services.db.sessions.begin() as session
    ):  # another worker's claim, after ours expired
        row = await session.get(WebhookEventRow, claims[1][0])
        assert row is not None
        row.locked_until = row.locked_until + dt.timedelta(seconds=1)
    with capture_logs() as logs:
        await runtime.worker._run_batch(claims)
    assert ("webhook.claim_lost", claims[1][0]) in {(e["event"], e.get("event_row")) for e in logs}
    assert [(await _row(services, e)).status for e in ("l-1", "l-2", "l-3")] == [
        "processed",
        "processing",
        "processed",
    ]


async def test_a_lease_running_out_mid_batch_rolls_back_to_one_by_one(
    services: Services,
) -> None:
    """The leases run out while a handler waits and another worker takes both events: the
    batch's writes roll back, and event by event the worker finds the claims lost."""
    runtime = await _runtime(services, "m-1", "m-2")
    runtime.worker.queue = EventQueue(services.db, lease_seconds=0.05)

    async def slow(event: InboxEvent, session: AsyncSession) -> None:
        session.add(AlertRow(integration="generic", kind="probe", message=event.event_id))
        if event.attempt == 1 and event.event_id == "m-1":
            await asyncio.sleep(0.1)
            await EventQueue(services.db, lease_seconds=60).claim(10)

    runtime.handlers.register("generic", "*", slow)
    with capture_logs() as logs:
        await runtime.worker.run_once()
    assert [e["event"] for e in logs].count("webhook.claim_lost") == 2
    assert await _alerts(services) == []
    assert [(await _row(services, e)).attempts for e in ("m-1", "m-2")] == [2, 2]


async def test_a_database_failure_in_a_batch_falls_back_to_one_by_one(
    services: Services,
) -> None:
    """If the batch's own statements fail, each event gets a transaction of its own."""
    runtime = await _runtime(services, "d-1", "d-2")
    queue = runtime.worker.queue

    async def broken(*args: Any, **kwargs: Any) -> bool:
        raise OperationalError("UPDATE webhook_events", {}, Exception("disk I/O error"))

    queue.finish_processed = broken  # type: ignore[method-assign]
    with capture_logs() as logs:
        assert await runtime.worker.run_once() == 2
    assert "webhook.batch_failed" in {e["event"] for e in logs}
    assert [(await _row(services, e)).status for e in ("d-1", "d-2")] == ["processed"] * 2
    async with services.db.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(AlertRow))
    assert count == 0


async def test_slow_handlers_commit_the_batch_early(services: Services) -> None:
    """Once handlers have taken a quarter of the lease, the batch commits what is done and
    the rest goes on in a new transaction: events never wait for their siblings' handlers
    until their leases run out."""
    runtime = await _runtime(services, "s-1", "s-2", "s-3")
    runtime.worker.queue = EventQueue(services.db, lease_seconds=0.2)  # a 0.05 s budget
    seen_from_outside: dict[str, str] = {}

    async def slow(event: InboxEvent, session: AsyncSession) -> None:
        if event.event_id == "s-3":
            seen_from_outside["s-1"] = (await _row(services, "s-1")).status
        await asyncio.sleep(0.06)

    runtime.handlers.register("generic", "*", slow)
    with capture_logs() as logs:
        assert await runtime.worker.run_once() == 3
    assert seen_from_outside == {"s-1": "processed"}
    assert [e["event"] for e in logs].count("webhook.processed") == 3
    assert "webhook.claim_lost" not in {e["event"] for e in logs}
