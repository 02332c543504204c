"""The platform's periodic jobs: batched retention cleanup, breaker probe selection, and
the health and metrics jobs calling the telemetry they are meant to call."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from integrations.jobs import JOBS, JobContext, builtin
from integrations.services import Services
from integrations.storage.tables import CallLogRow, HealthRow
from integrations.storage.tables_inbound import WebhookEventRow

pytestmark = pytest.mark.integration

NOW = dt.datetime.now(dt.UTC)


def _call(days_ago: float) -> CallLogRow:
    return CallLogRow(
        integration="mock",
        operation="get",
        method="GET",
        url="https://example.test/x",
        success=True,
        duration_ms=1.0,
        trace_id="t",
        created_at=NOW - dt.timedelta(days=days_ago),
    )


def _event(n: int, status: str, days_ago: float) -> WebhookEventRow:
    return WebhookEventRow(
        integration="mock",
        event_id=f"e{n}",
        status=status,
        signature_valid=True,
        headers={},
        body=b"{}",
        received_at=NOW - dt.timedelta(days=days_ago),
    )


async def test_cleanup_deletes_only_expired_finished_rows(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Call logs past 30 days go (in several batches); webhook events past 90 days go only
    when processed or dead; newer rows and pending events stay."""
    monkeypatch.setattr(builtin, "_BATCH", 7)
    async with services.db.sessions.begin() as session:
        session.add_all([_call(31) for _ in range(20)] + [_call(29) for _ in range(3)])
        session.add_all(
            [
                _event(1, "processed", 91),
                _event(2, "dead", 91),
                _event(3, "pending", 91),
                _event(4, "processed", 10),
            ]
        )
    await builtin.cleanup(JobContext(services=services, factory=object()))  # type: ignore[arg-type]
    async with services.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(CallLogRow)) == 3
        left = sorted(await session.scalars(select(WebhookEventRow.event_id)))
    assert left == ["e3", "e4"]


async def test_breaker_probes_pick_integrations_whose_breaker_is_open(services: Services) -> None:
    """Only an integration whose latest breaker change opened it is probed."""
    async with services.db.sessions.begin() as session:
        for name, states in {
            "a": ["open"],
            "b": ["open", "closed"],
            "c": ["closed", "open"],
        }.items():
            for n, state in enumerate(states):
                session.add(
                    HealthRow(
                        integration=name,
                        status="unhealthy",
                        source="circuit",
                        circuit_state=state,
                        checked_at=NOW + dt.timedelta(seconds=n),
                    )
                )
    ctx = JobContext(services=services, factory=object())  # type: ignore[arg-type]
    assert await builtin.open_breakers(ctx) == ["a", "c"]


async def test_health_and_metrics_jobs_call_the_telemetry(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`health_checks` runs check_all_health; `metrics` flushes the windows, then evaluates."""
    calls: list[str] = []

    class _Health:
        async def check_all_health(self) -> list[Any]:
            calls.append("check_all_health")
            return []

    class _Alerts:
        async def evaluate(self) -> list[Any]:
            calls.append("evaluate")
            return []

    class _Windows:
        async def flush(self) -> None:
            calls.append("flush")

    class _Factory:
        windows = _Windows()

    monkeypatch.setattr(JobContext, "health", property(lambda self: _Health()))
    monkeypatch.setattr(JobContext, "alerts", property(lambda self: _Alerts()))
    ctx = JobContext(services=services, factory=_Factory())  # type: ignore[arg-type]
    await builtin.health_checks(ctx)
    await builtin.metrics(ctx)
    assert calls == ["check_all_health", "flush", "evaluate"]
    assert {"health_checks", "metrics", "breaker_probes", "cleanup"} <= set(JOBS)
    assert JOBS["health_checks"].cron(services.settings.jobs) == "*/5 * * * *"


async def test_job_context_builds_the_real_telemetry(services: Services) -> None:
    """Without fakes, the context's lazy alerts and health are the telemetry classes."""
    from integrations.factory import IntegrationFactory
    from integrations.telemetry.alerts import AlertManager
    from integrations.telemetry.health_monitor import HealthMonitor

    factory = IntegrationFactory.for_process(services)
    try:
        ctx = JobContext(services=services, factory=factory)
        assert isinstance(ctx.alerts, AlertManager)
        assert isinstance(ctx.health, HealthMonitor)
        assert ctx.windows is factory.windows
        await builtin.metrics(ctx)  # flush + evaluate on an empty database: no error
    finally:
        await factory.close()
