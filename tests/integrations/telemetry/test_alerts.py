"""AlertManager: one notice per incident and one per recovery (property 26), cooldown,
dedupe across managers sharing a database, and the metric rules."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from integrations.ops_config import AlertSettings
from integrations.storage.db import Database
from integrations.storage.tables import AlertRow, MetricRow
from integrations.telemetry.alert_channels import Delivery, EmailChannel
from integrations.telemetry.alerts import AlertManager, AlertSignal

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
SIGNAL = AlertSignal("breaker_open", "pandadoc", "critical", "breaker opened")


class RecordingChannel:
    """A channel that keeps every notice it was asked to send."""

    name = "recording"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    async def send(self, event_id: str, event_type: str, data: dict[str, Any]) -> Delivery:
        self.sent.append((event_id, event_type, data))
        return Delivery(self.name, "sent", "recorded", 1, event_type)

    def types(self) -> list[str]:
        return [t for _, t, _ in self.sent]


class Clock:
    """A settable UTC time for the manager."""

    def __init__(self, at: dt.datetime = T0) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


def manager_for(
    db: Database, clock: Clock, channel: RecordingChannel, **overrides: Any
) -> AlertManager:
    alert_settings = AlertSettings.model_validate({"cooldown_seconds": 900, **overrides})
    return AlertManager(db, alert_settings, channels=[channel], now=clock)


async def alert_rows(db: Database) -> list[AlertRow]:
    async with db.sessions() as session:
        return list(await session.scalars(select(AlertRow).order_by(AlertRow.id)))


async def test_one_notice_per_incident_and_one_recovery(db: Database) -> None:
    """Repeats while open only count; resolve sends one recovery; a second resolve nothing."""
    clock, channel = Clock(), RecordingChannel()
    manager = manager_for(db, clock, channel)
    opened = await manager.fire(SIGNAL, dedupe_key="breaker_open:pandadoc")
    assert opened is not None and opened.status == "open"
    clock.at += dt.timedelta(minutes=1)
    assert await manager.fire(SIGNAL, dedupe_key="breaker_open:pandadoc") is None
    resolved = await manager.resolve("breaker_open:pandadoc", "breaker closed")
    assert resolved is not None and resolved.resolved_at == clock.at
    assert await manager.resolve("breaker_open:pandadoc", "again") is None
    assert channel.types() == ["alert.fired", "alert.resolved"]
    [row] = await alert_rows(db)
    assert (row.occurrences, row.last_seen_at, row.status) == (
        2,
        T0 + dt.timedelta(minutes=1),
        "resolved",
    )
    assert row.details == {"resolution": "breaker closed"}
    assert [d["event_type"] for d in row.deliveries or []] == ["alert.fired", "alert.resolved"]


async def test_cooldown_counts_a_flap_on_the_closed_row(db: Database) -> None:
    """Within the cooldown a re-fire opens nothing; after it a new incident opens."""
    clock, channel = Clock(), RecordingChannel()
    manager = manager_for(db, clock, channel, cooldown_seconds=600)
    await manager.fire(SIGNAL, dedupe_key="k")
    await manager.resolve("k", "ok")
    clock.at += dt.timedelta(seconds=600)
    assert await manager.fire(SIGNAL, dedupe_key="k") is None
    [closed] = await alert_rows(db)
    assert (closed.status, closed.occurrences) == ("resolved", 2)
    clock.at += dt.timedelta(seconds=601)
    assert await manager.fire(SIGNAL, dedupe_key="k") is not None
    assert [r.status for r in await alert_rows(db)] == ["resolved", "open"]
    assert channel.types() == ["alert.fired", "alert.resolved", "alert.fired"]


async def test_unavailable_email_is_recorded_on_the_alert(db: Database) -> None:
    """The email channel's 'unavailable' is kept in `deliveries`, not dropped."""
    manager = AlertManager(db, AlertSettings(), channels=[EmailChannel(["ops@example.com"])])
    row = await manager.fire(SIGNAL, dedupe_key="k")
    assert row is not None
    [delivery] = row.deliveries or []
    assert (delivery["channel"], delivery["status"]) == ("email", "unavailable")


async def test_two_managers_on_one_database_open_one_incident(db: Database) -> None:
    """Two managers with their own engines fire one key concurrently: one row, one notice."""
    other_db = Database(db.url)
    try:
        channels = RecordingChannel(), RecordingChannel()
        managers = [
            manager_for(d, Clock(), c) for d, c in zip((db, other_db), channels, strict=True)
        ]
        fires = [m.fire(SIGNAL, dedupe_key="job_failed:sync") for m in managers for _ in range(5)]
        opened = [r for r in await asyncio.gather(*fires) if r is not None]
        assert len(opened) == 1
        [row] = await alert_rows(db)
        assert row.occurrences == 10
        resolves = [m.resolve("job_failed:sync", "ok") for m in managers for _ in range(3)]
        assert sum(r is not None for r in await asyncio.gather(*resolves)) == 1
        sent = channels[0].types() + channels[1].types()
        assert sorted(sent) == ["alert.fired", "alert.resolved"]
    finally:
        await other_db.dispose()


async def put_window(db: Database, start: dt.datetime, **counts: Any) -> None:
    """One metric row per writer: the counts are split over two writers to test merging."""
    half = {k: v // 2 if isinstance(v, int) else v / 2 for k, v in counts.items()}
    rest = {k: v - half[k] for k, v in counts.items()}
    async with db.sessions.begin() as session:
        for writer, part in (("w1", half), ("w2", rest)):
            session.add(
                MetricRow(
                    integration="pandadoc",
                    operation="op",
                    window_start=start,
                    window_seconds=300,
                    writer=writer,
                    **part,
                )
            )


def expected_notices(windows: list[tuple[int, int]], cooldown: float) -> tuple[int, int]:
    """The reference: incidents opened and closed for the windows, one evaluation each."""
    is_open, last_closed, fired, resolved = False, None, 0, 0
    for k, (calls, failures) in enumerate(windows):
        at = (k + 1) * 300
        if calls >= 20 and failures > 0.10 * calls:
            if not is_open and (last_closed is None or at - last_closed > cooldown):
                is_open, fired = True, fired + 1
        elif is_open:
            is_open, last_closed, resolved = False, at, resolved + 1
    return fired, resolved


windows_strategy = st.lists(
    st.integers(0, 60).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))),
    min_size=1,
    max_size=10,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(windows=windows_strategy, cooldown=st.sampled_from([0, 300, 900, 2000]))
async def test_property_26_failure_rate_alerts_once_per_incident(
    db: Database, windows: list[tuple[int, int]], cooldown: int
) -> None:
    """Any sequence of 5-minute windows: one alert per incident above 10% (with at least 20
    calls) and one recovery, as the reference model counts them."""
    async with db.sessions.begin() as session:
        await session.execute(delete(AlertRow))
        await session.execute(delete(MetricRow))
    clock, channel = Clock(), RecordingChannel()
    manager = manager_for(db, clock, channel, cooldown_seconds=cooldown)
    for k, (calls, failures) in enumerate(windows):
        start = T0 + dt.timedelta(seconds=300 * k)
        await put_window(
            db, start, call_count=calls, failure_count=failures, success_count=calls - failures
        )
        # At the window's end exactly: the 5 minutes asked for are this window alone.
        clock.at = start + dt.timedelta(seconds=300)
        await manager.evaluate(now=clock.at)
    fired, resolved = expected_notices(windows, cooldown)
    assert channel.types().count("alert.fired") == fired
    assert channel.types().count("alert.resolved") == resolved
    rows = await alert_rows(db)
    assert len(rows) == fired and {r.kind for r in rows} <= {"failure_rate"}
    assert sum(r.status == "open" for r in rows) == fired - resolved


async def test_rate_limit_rule_counts_429s_and_waits_over_15_minutes(db: Database) -> None:
    """6 answers 429 and 5 limiter waits over three windows pass a limit of 10 hits."""
    clock, channel = Clock(), RecordingChannel()
    manager = manager_for(db, clock, channel, rate_limit_hits=10)
    for k, (limited, waits) in enumerate([(2, 2), (2, 2), (2, 1)]):
        await put_window(
            db,
            T0 + dt.timedelta(seconds=300 * k),
            call_count=4,
            success_count=4,
            rate_limited_count=limited,
            rate_limit_waits=waits,
        )
    clock.at = T0 + dt.timedelta(seconds=900)
    [row] = await manager.evaluate(now=clock.at)
    assert (row.kind, row.dedupe_key, row.details) == (
        "rate_limited",
        "rate_limited:pandadoc",
        {"hits": 11, "rate_limited": 6, "waits": 5},
    )
    clock.at += dt.timedelta(minutes=15)  # the windows have aged out: the incident closes
    [closed] = await manager.evaluate(now=clock.at)
    assert closed.status == "resolved"


async def test_budget_rule_sums_the_day_and_closes_at_midnight(db: Database) -> None:
    """Cost 3 + 4.5 today is over a budget of 7; the next day starts from zero."""
    clock, channel = Clock(), RecordingChannel()
    manager = manager_for(db, clock, channel, budget_per_day={"pandadoc": 7.0})
    await put_window(db, T0, call_count=3, success_count=3, cost=3.0)
    await put_window(db, T0 + dt.timedelta(hours=2), call_count=4, success_count=4, cost=4.5)
    clock.at = T0 + dt.timedelta(hours=3)
    [row] = await manager.evaluate(now=clock.at)
    assert row.kind == "budget_exceeded" and row.details == {"cost": 7.5, "budget": 7.0}
    assert await manager.evaluate(now=clock.at) == []
    clock.at = dt.datetime(2026, 3, 3, 0, 5, tzinfo=dt.UTC)
    [closed] = await manager.evaluate(now=clock.at)
    assert closed.status == "resolved"


async def test_too_few_calls_never_alert(db: Database) -> None:
    """19 failures out of 19 calls is under `min_calls` (20): no alert."""
    channel = RecordingChannel()
    manager = manager_for(db, Clock(), channel)
    await put_window(db, T0, call_count=19, failure_count=19)
    assert await manager.evaluate(now=T0 + dt.timedelta(seconds=300)) == []
    assert channel.sent == []
