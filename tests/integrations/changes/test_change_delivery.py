"""Change events over real HTTP: signed for `standardwebhooks`, retried through a receiver
outage in per-entity order and never twice, 4xx final, dead letters (virtual clock)."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from integrations.changes import record_change
from integrations.changes.delivery import ChangeDispatcher, nudge_on_change
from integrations.changes.subscriptions import SubscriptionRepository, new_secret
from integrations.config import Settings
from integrations.core.clock import VirtualClock
from integrations.jobs import JOBS
from integrations.jobs.embedded import EmbeddedRunner
from integrations.ops_config import ChangeEventSettings
from integrations.services import Services
from integrations.storage.db import Database
from integrations.storage.tables_changes import ChangeDeliveryRow
from tests.helpers.http_server import serve_app
from tests.integrations.changes.receiver import ChangeReceiver

SECRET = new_secret()


@pytest.fixture(name="receiver")
def _receiver() -> Iterator[tuple[ChangeReceiver, str]]:
    app = ChangeReceiver(SECRET)
    with serve_app(app) as url:
        yield app, url + "/changes"


@pytest.fixture(name="outbound")
def _outbound(settings: Settings, db: Database) -> Services:
    """Services allowing 127.0.0.1, with a retry budget that outlasts a minute's outage."""
    events = ChangeEventSettings(
        allowed_private_hosts=["127.0.0.1"],
        max_attempts=30,
        backoff_base_seconds=4.0,
        backoff_cap_seconds=30.0,
    )
    return Services(settings.model_copy(update={"change_events": events}), db)


async def subscribe(services: Services, url: str, entities: list[str]) -> int:
    async with services.db.sessions.begin() as session:
        repo = SubscriptionRepository(session, services.box)
        row = await repo.create(
            name="app", url=url, entities=entities, secret=SECRET, created_by="test"
        )
        return row.id


async def record(services: Services, *changes: tuple[str, str, str, str]) -> list[int]:
    """Record (integration, entity, external_id, kind) changes, one transaction each."""
    cursors = []
    for integration, entity, external_id, kind in changes:
        async with services.db.sessions.begin() as session:
            cursors.append(
                await record_change(
                    session,
                    integration=integration,
                    entity=entity,
                    external_id=external_id,
                    kind=kind,
                    changed_fields=["status"],
                    source="webhook",
                    data={"id": external_id, "status": kind},
                )
            )
    return cursors


async def next_due(services: Services) -> dt.datetime | None:
    async with services.db.sessions() as session:
        return await session.scalar(
            select(func.min(ChangeDeliveryRow.next_attempt_at)).where(
                ChangeDeliveryRow.status == "pending", ChangeDeliveryRow.attempts > 0
            )
        )


async def drain(dispatcher: ChangeDispatcher, services: Services, clock: VirtualClock) -> None:
    """Run the dispatcher, jumping the clock to each retry, until nothing is pending."""
    for _ in range(500):
        await dispatcher.run_once()
        due = await next_due(services)
        if due is None:
            async with services.db.sessions() as session:
                pending = await session.scalar(
                    select(func.count()).where(ChangeDeliveryRow.status == "pending")
                )
            if not pending:
                return
            continue
        clock.advance(max(0.0, due.replace(tzinfo=dt.UTC).timestamp() - clock.now()) + 0.001)
    raise AssertionError("deliveries still pending after 500 runs")


async def test_every_event_verifies_with_standardwebhooks(
    outbound: Services, receiver: tuple[ChangeReceiver, str]
) -> None:
    """Matching changes arrive signed, typed `change.<entity>.<kind>`, with the record."""
    app, url = receiver
    subscription = await subscribe(outbound, url, ["pandadoc:documents", "*:contacts"])
    cursors = await record(
        outbound,
        ("pandadoc", "documents", "d1", "created"),
        ("typeform", "form_responses", "r1", "created"),  # not subscribed
        ("practicepanther", "contacts", "c1", "updated"),
    )
    report = await ChangeDispatcher(outbound).run_once()
    assert (report.queued, report.delivered, app.forged) == (2, 2, 0)
    # Two records go out in parallel (order is kept per record only): compare as a set.
    accepted = dict(app.accepted)
    assert set(accepted) == {f"chg_{subscription}_{cursors[0]}", f"chg_{subscription}_{cursors[2]}"}
    assert len(app.accepted) == 2
    body = accepted[f"chg_{subscription}_{cursors[0]}"]
    assert body["type"] == "change.documents.created"
    assert body["data"]["cursor"] == cursors[0]
    assert body["data"]["record"] == {"id": "d1", "status": "created"}
    assert (await ChangeDispatcher(outbound).run_once()).delivered == 0  # nothing twice


async def test_outage_of_a_minute_then_every_event_in_entity_order_once(
    outbound: Services, receiver: tuple[ChangeReceiver, str]
) -> None:
    """A receiver answering 500 for 60 s then recovering gets every event, per-entity in
    cursor order, and accepts none twice."""
    app, url = receiver
    clock = VirtualClock(start=time.time())
    recover_at = clock.now() + 60
    app.answer = lambda _id: 500 if clock.now() < recover_at else 204
    await subscribe(outbound, url, ["*:*"])
    rng = random.Random(19)
    plan = [("pandadoc", "documents", f"d{rng.randrange(4)}", "updated") for _ in range(24)]
    cursors = await record(outbound, *plan)
    dispatcher = ChangeDispatcher(outbound, clock=clock, rng=rng.random)
    await drain(dispatcher, outbound, clock)

    ids = [i for i, _ in app.accepted]
    assert len(ids) == len(set(ids)) == len(cursors)
    assert any(status == 500 for _, status in app.statuses)
    assert clock.now() >= recover_at
    for entity in {p[2] for p in plan}:
        seen = [b["data"]["cursor"] for _, b in app.accepted if b["data"]["external_id"] == entity]
        assert seen == sorted(seen)


async def test_a_failing_entity_blocks_only_itself(
    outbound: Services, receiver: tuple[ChangeReceiver, str]
) -> None:
    """While d1's first change is retried, its second waits and d2's changes go out."""
    app, url = receiver
    clock = VirtualClock(start=time.time())
    subscription = await subscribe(outbound, url, ["pandadoc:documents"])
    cursors = await record(
        outbound,
        ("pandadoc", "documents", "d1", "created"),
        ("pandadoc", "documents", "d2", "created"),
        ("pandadoc", "documents", "d1", "updated"),
        ("pandadoc", "documents", "d2", "updated"),
    )
    first = f"chg_{subscription}_{cursors[0]}"
    app.answer = lambda webhook_id: 503 if webhook_id == first else 204
    await ChangeDispatcher(outbound, clock=clock).run_once()
    assert [i for i, _ in app.accepted] == [
        f"chg_{subscription}_{cursors[1]}",
        f"chg_{subscription}_{cursors[3]}",
    ]


@pytest.mark.parametrize(
    ("status", "outcome", "attempts"),
    [
        pytest.param(400, "dead", 1, id="400-final"),
        pytest.param(410, "dead", 1, id="410-final"),
        pytest.param(408, "pending", 1, id="408-retried"),
        pytest.param(429, "pending", 1, id="429-retried"),
    ],
)
async def test_client_errors_are_final_except_408_and_429(
    outbound: Services,
    receiver: tuple[ChangeReceiver, str],
    status: int,
    outcome: str,
    attempts: int,
) -> None:
    """A 4xx kills the delivery at once (dead letter), except 408 and 429."""
    app, url = receiver
    app.answer = lambda _id: status
    clock = VirtualClock(start=time.time())
    await subscribe(outbound, url, ["*:*"])
    await record(outbound, ("pandadoc", "documents", "d1", "created"))
    await ChangeDispatcher(outbound, clock=clock).run_once()
    async with outbound.db.sessions() as session:
        row = (await session.scalars(select(ChangeDeliveryRow))).one()
    assert (row.status, row.attempts, row.last_status) == (outcome, attempts, status)
    if outcome == "dead":  # a dead change no longer blocks its entity
        await record(outbound, ("pandadoc", "documents", "d1", "updated"))
        app.answer = lambda _id: 204
        assert (await ChangeDispatcher(outbound, clock=clock).run_once()).delivered == 1


async def test_refused_destination_is_never_contacted(
    settings: Settings, db: Database, receiver: tuple[ChangeReceiver, str]
) -> None:
    """Without the allow-list, a loopback URL is refused before any request."""
    app, url = receiver
    services = Services(settings, db)
    await subscribe(services, url, ["*:*"])
    await record(services, ("pandadoc", "documents", "d1", "created"))
    report = await ChangeDispatcher(services, clock=VirtualClock(start=time.time())).run_once()
    assert (report.retrying, app.statuses) == (1, [])
    async with services.db.sessions() as session:
        row = (await session.scalars(select(ChangeDeliveryRow))).one()
    assert row.last_error is not None and "destination refused" in row.last_error


async def test_a_committed_change_nudges_the_job_on_the_runner(
    outbound: Services, receiver: tuple[ChangeReceiver, str]
) -> None:
    """With the nudge installed, a committed change defers `change_delivery`, and the
    embedded runner's run delivers it (no schedule tick involved)."""
    app, url = receiver
    runner = EmbeddedRunner(outbound, object(), jobs={"change_delivery": JOBS["change_delivery"]})  # type: ignore[arg-type]
    unsubscribe = nudge_on_change(runner)
    try:
        await subscribe(outbound, url, ["*:*"])
        [cursor] = await record(outbound, ("pandadoc", "documents", "d1", "created"))
        for _ in range(50):  # the defer runs as a task after the commit
            if (await runner.queue_depth()).get("queued"):
                break
            await asyncio.sleep(0.01)
        await runner.run_worker(until_idle=True)
    finally:
        unsubscribe()
        await runner.close()
    assert [b["data"]["cursor"] for _, b in app.accepted] == [cursor]
