"""Scenario steps for operations: PracticePanther synced in full then incrementally, and a
503 storm that opens the storm vendor's breaker, fires an alert, and passes.

The storm is the simulator's own fault plan (what `PUT /_sim/faults` sets), so the failures
travel the whole pipeline: the client's retry gives up, the breaker counts, the health check
sees the breaker open and the `AlertManager` opens an incident; when the plan is cleared the
breaker's probe succeeds after its (demo-short) reset timeout and the incident is resolved.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from integrations.demo.setup import STORM_CIRCUIT, STORM_VENDOR
from integrations.demo.steps import DemoContext, Step, StepFailed, poll
from integrations.errors import IntegrationError
from integrations.simulators.faults import FaultPlan
from integrations.storage.tables import AlertRow
from integrations.sync.catalog import definition_for
from integrations.sync.engine import SyncEngine
from integrations.telemetry.alerts import AlertManager
from integrations.telemetry.health_monitor import HealthMonitor

__all__ = ["OPS_STEPS"]

SYNCED = "practicepanther"


async def practicepanther_synced(ctx: DemoContext) -> str:
    """A full sync into the local tables, then an incremental one from its cursors."""
    engine = SyncEngine(ctx.services, ctx.factory, definition_for(SYNCED))
    full = await engine.run("full", triggered_by="demo")
    incremental = await engine.run("incremental", triggered_by="demo")
    for kind, summary in (("full", full), ("incremental", incremental)):
        if summary.status != "success":
            raise StepFailed(f"{kind} sync ended {summary.status}: {summary.error_message}")
    if full.processed == 0:
        raise StepFailed("the full sync read no records")
    ctx.numbers.update(records_synced=full.processed, incremental_synced=incremental.processed)
    return (
        f"full: {full.processed} records ({full.created} new, {full.updated} updated); "
        f"incremental: {incremental.processed} records"
    )


async def _call_storm_vendor(ctx: DemoContext) -> bool:
    """One call to the storm vendor; True when it succeeded."""
    try:
        await ctx.act(STORM_VENDOR, "list_items", {"count": 3})
    except IntegrationError:
        return False
    return True


async def _breaker_state(ctx: DemoContext) -> str:
    client = await ctx.factory.get(STORM_VENDOR)
    return (await client.breaker.snapshot()).state


async def _alert_status(ctx: DemoContext) -> str | None:
    async with ctx.services.db.sessions() as session:
        row = await session.scalar(
            select(AlertRow)
            .where(AlertRow.dedupe_key == f"breaker:{STORM_VENDOR}")
            .order_by(AlertRow.id.desc())
            .limit(1)
        )
    return None if row is None else row.status


async def storm_and_recovery(ctx: DemoContext) -> str:
    """Every request 503 until the breaker opens and the alert fires; then calm, recovery."""
    monitor = HealthMonitor(ctx.services, ctx.factory, AlertManager.from_services(ctx.services))
    faults = ctx.factory.simulator(STORM_VENDOR).faults
    faults.set("*", FaultPlan(error_rate=1.0, error_statuses=[503]))
    failed = 0
    try:
        while await _breaker_state(ctx) != "open":
            if await _call_storm_vendor(ctx):
                raise StepFailed("a call succeeded during the storm")
            failed += 1
            if failed > 10 * STORM_CIRCUIT["failure_threshold"]:
                raise StepFailed(f"the breaker stayed closed after {failed} failed calls")
        await monitor.check_and_record(STORM_VENDOR)
        if await _alert_status(ctx) != "open":
            raise StepFailed("no breaker_open alert fired")
    finally:
        faults.clear()  # the storm ends whatever happened, so the server keeps a sane vendor
    await asyncio.sleep(float(STORM_CIRCUIT["reset_timeout_seconds"]))

    async def recovered() -> bool | None:
        return True if await _call_storm_vendor(ctx) else None

    await poll(recovered, what="a successful call after the storm")
    if (state := await _breaker_state(ctx)) != "closed":
        raise StepFailed(f"the breaker is {state} after a successful call")
    health = await monitor.check_and_record(STORM_VENDOR)
    if (status := await _alert_status(ctx)) != "resolved":
        raise StepFailed(f"the breaker alert is {status} after recovery")
    ctx.numbers.update(
        storm_failed_calls=failed, breaker="opened+recovered", alert="fired+resolved"
    )
    # The health status reads the last five minutes, storm included: it stays degraded or
    # unhealthy (its own alert open) until the failures age out of that window.
    return (
        f"{failed} calls failed, breaker opened; alert fired; breaker closed, alert resolved; "
        f"health now {health.status} (storm still in its 5 min window)"
    )


OPS_STEPS: list[Step] = [
    ("PracticePanther: full then incremental sync", practicepanther_synced),
    (f"503 storm on {STORM_VENDOR}: breaker, alert, recovery", storm_and_recovery),
]
