"""`HealthMonitor` against real clients, real metric rows and the real `AlertManager`:
status per integration (40) and degradation alerts (42), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from sqlalchemy import delete, select, text

from integrations.core.clock import VirtualClock
from integrations.factory import IntegrationFactory
from integrations.runtime_config import IntegrationSettingsUpdate, RateLimitWindow, RetryPatch
from integrations.services import Services
from integrations.simulators.faults import FaultPlan
from integrations.storage.tables import AlertRow, HealthRow, MetricRow
from integrations.telemetry.alert_channels import Delivery
from integrations.telemetry.alerts import AlertManager
from integrations.telemetry.health_monitor import HealthMonitor, HealthReport

pytestmark = pytest.mark.integration

LIMIT = 20  # the mock's rate-limit window in these tests: 20 per minute
HEALTH = httpx2.Request("GET", "http://mock.invalid/health")


async def _enable(services: Services, name: str, **fields: Any) -> None:
    update = IntegrationSettingsUpdate(enabled=True, mode="mock", **fields)
    await services.update_config(name, update, changed_by="test")


@pytest.fixture(name="factory")
async def _factory(services: Services) -> AsyncIterator[IntegrationFactory]:
    """The mock enabled with a 20/min budget and no retries; a factory on a virtual clock."""
    await _enable(
        services,
        "mock",
        rate_limits=[RateLimitWindow(limit=LIMIT, period_seconds=60.0)],
        retry=RetryPatch(max_attempts=1),
    )
    factory = IntegrationFactory(services, clock=VirtualClock())
    yield factory
    await factory.close()


async def _metric_row(services: Services, calls: int, failures: int, latency: float) -> None:
    now = dt.datetime.now(dt.UTC)
    async with services.db.sessions.begin() as session:
        await session.execute(delete(MetricRow))
        if calls:
            session.add(
                MetricRow(
                    integration="mock",
                    operation="get_item",
                    window_start=now - dt.timedelta(seconds=60),
                    window_seconds=300,
                    writer="test",
                    call_count=calls,
                    success_count=calls - failures,
                    failure_count=failures,
                    errors={"ProviderServerError": failures} if failures else {},
                    latencies_ms=[latency] * calls,
                )
            )


async def _set_breaker(factory: IntegrationFactory, state: str) -> None:
    client = await factory.get("mock")
    if state == "closed":
        return
    for _ in range(client.breaker.spec.failure_threshold):
        await client.breaker.record_failure()
    if state == "half_open":  # past the reset timeout, the trial is held by someone else
        assert isinstance(factory.clock, VirtualClock)
        factory.clock.advance(client.breaker.spec.reset_timeout_seconds + 1)
        assert await client.breaker.enter() is not None


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    circuit=st.sampled_from(["closed", "half_open", "open"]),
    calls=st.integers(0, 60),
    failure_share=st.floats(0, 1),
    latency=st.floats(1, 4000),
    spent=st.integers(0, LIMIT - 1),
)
async def test_property_40_status_per_integration(
    services: Services,
    circuit: str,
    calls: int,
    failure_share: float,
    latency: float,
    spent: int,
) -> None:
    """For generated breaker states, windows (error rate, p95) and spent budgets, a real
    check reports the signals as set up and the status the documented rule gives them."""
    failures = round(calls * failure_share)
    await _enable(
        services,
        "mock",
        rate_limits=[RateLimitWindow(limit=LIMIT, period_seconds=60.0)],
        retry=RetryPatch(max_attempts=1),
    )
    factory = IntegrationFactory(services, clock=VirtualClock())
    try:
        await _metric_row(services, calls, failures, latency)
        await _set_breaker(factory, circuit)
        client = await factory.get("mock")
        for _ in range(spent):
            assert await client.limiter.try_acquire(HEALTH) == 0
        monitor = HealthMonitor(services, factory)
        monitor.register_integration("mock", latency_objective_ms=1000)
        report = await monitor.check_health("mock")
    finally:
        await factory.close()
    # The check itself spends one unit when the breaker lets it through.
    headroom = (LIMIT - spent - (circuit == "closed")) / LIMIT
    rate = failures / calls if calls else None
    assert report.is_mock
    assert report.circuit_state == circuit
    assert report.headroom == pytest.approx(headroom)
    assert report.error_rate == (pytest.approx(rate) if calls else None)
    assert report.p95_ms == (pytest.approx(latency) if calls else None)
    bad = circuit == "open"
    slow = [
        circuit == "half_open",
        rate is not None and rate > 0.05,
        calls > 0 and latency > 1000,
        headroom < 0.10,
    ]
    expected = "unhealthy" if bad else "degraded" if any(slow) else "healthy"
    assert report.status == expected, report.reasons
    assert len(report.reasons) == bad + sum(slow)


async def test_auth_error_and_failed_check_are_unhealthy(
    services: Services, factory: IntegrationFactory
) -> None:
    """A vendor refusing the credentials (PandaDoc's simulator answering 401) and a failing
    health check (the mock answering 500) are both unhealthy, each saying why."""
    await _enable(services, "pandadoc", retry=RetryPatch(max_attempts=1))
    factory.simulator("pandadoc").faults.set("*", FaultPlan(error_rate=1.0, error_statuses=[401]))
    monitor = HealthMonitor(services, factory)
    refused = await monitor.check_health("pandadoc")
    assert refused.status == "unhealthy"
    assert refused.reasons[0].startswith("credentials missing or refused:")

    client = await factory.get("mock")
    client.enable_error_simulation(1.0, [500])  # type: ignore[attr-defined]
    failed = await monitor.check_health("mock")
    assert failed.status == "unhealthy"
    assert failed.reasons[0].startswith("health check failed: provider_server_error")


async def test_live_mode_without_credentials_is_unhealthy(
    services: Services, factory: IntegrationFactory
) -> None:
    """A live integration the factory cannot build (no API key) is unhealthy, not an error."""
    await services.update_config(
        "typeform", IntegrationSettingsUpdate(enabled=True, mode="live"), changed_by="test"
    )
    report = await HealthMonitor(services, factory).check_health("typeform")
    assert report.status == "unhealthy"
    assert "credentials missing or refused" in report.reasons[0]
    assert report.is_mock is False


async def test_disabled_and_clientless_integrations(
    services: Services, factory: IntegrationFactory
) -> None:
    """A disabled integration is `disabled` and never built; one without a client `unknown`."""
    monitor = HealthMonitor(services, factory)
    disabled = await monitor.check_health("typeform")
    assert disabled.status == "disabled"
    assert "typeform" not in factory.clients()  # no client was made, no vendor was called
    await services.update_config(
        "generic", IntegrationSettingsUpdate(enabled=True), changed_by="test"
    )
    assert (await monitor.check_health("generic")).status == "unknown"


async def test_check_all_health_stores_every_enabled_integration(
    services: Services, factory: IntegrationFactory
) -> None:
    """By default every enabled integration is checked, one `check` row each with its
    reasons; disabled ones are left out."""
    await services.update_config(
        "pandadoc",
        IntegrationSettingsUpdate(
            enabled=True, mode="mock", credentials={"api_key": SecretStr("pd-key")}
        ),
        changed_by="test",
    )
    reports = await HealthMonitor(services, factory).check_all_health()
    assert sorted((r.integration, r.status) for r in reports) == [
        ("mock", "healthy"),
        ("pandadoc", "healthy"),
    ]
    async with services.db.sessions() as session:
        rows = list(await session.scalars(select(HealthRow).order_by(HealthRow.integration)))
    assert [(r.integration, r.status, r.source, r.message) for r in rows] == [
        ("mock", "healthy", "check", "ok"),
        ("pandadoc", "healthy", "check", "ok"),
    ]
    assert rows[0].details == {
        "reasons": [],
        "error_rate": None,
        "p95_ms": None,
        "headroom": pytest.approx((LIMIT - 1) / LIMIT),
        "is_mock": True,
    }


async def test_check_all_health_never_raises(
    services: Services, factory: IntegrationFactory
) -> None:
    """With the health table gone, each check is reported `unknown` with why; nothing raises."""
    async with services.db.engine.begin() as conn:
        await conn.execute(text("DROP TABLE integration_health"))
    monitor = HealthMonitor(services, factory)
    monitor.register_integration("mock")
    reports = await monitor.check_all_health()
    assert [(r.integration, r.status) for r in reports] == [("mock", "unknown")]
    assert reports[0].reasons[0].startswith("check crashed:")


class _Inbox:
    """An alert channel that keeps what it was sent (the receiver end of a notice)."""

    name = "inbox"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, event_id: str, event_type: str, data: dict[str, Any]) -> Delivery:
        self.sent.append((event_type, data["dedupe_key"]))
        return Delivery(self.name, "sent", "kept", 1, event_type)


def _report(status: str, circuit: str = "closed") -> HealthReport:
    reasons = [] if status == "healthy" else [f"{status} for the test"]
    return HealthReport("mock", status, reasons, dt.datetime.now(dt.UTC), circuit)  # type: ignore[arg-type]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(statuses=st.lists(st.sampled_from(["healthy", "degraded", "unhealthy"]), max_size=12))
async def test_property_42_one_alert_and_one_recovery_per_incident(
    services: Services, statuses: list[str]
) -> None:
    """Any sequence of reports gives one notice when the integration stops being healthy and
    one when it is healthy again, however many bad reports come in between."""
    async with services.db.sessions.begin() as session:
        await session.execute(delete(AlertRow))
    inbox = _Inbox()
    alerts_settings = services.settings.alerts.model_copy(update={"cooldown_seconds": 0.0})
    alerts = AlertManager(services.db, alerts_settings, channels=[inbox])
    monitor = HealthMonitor(services, IntegrationFactory(services), alerts)
    for status in statuses:
        await monitor.alert_on_degradation(_report(status))
    expected: list[tuple[str, str]] = []
    bad = False
    for status in statuses:
        if status != "healthy" and not bad:
            expected.append(("alert.fired", "health:mock"))
        if status == "healthy" and bad:
            expected.append(("alert.resolved", "health:mock"))
        bad = status != "healthy"
    assert inbox.sent == expected


async def test_breaker_open_alert_and_cooldown(services: Services) -> None:
    """An open breaker is its own incident; a relapse within the cooldown is counted on the
    closed incident, not announced again."""
    inbox = _Inbox()
    alerts = AlertManager(services.db, services.settings.alerts, channels=[inbox])
    monitor = HealthMonitor(services, IntegrationFactory(services), alerts)
    for status, circuit in [("unhealthy", "open"), ("unhealthy", "open"), ("healthy", "closed")]:
        await monitor.alert_on_degradation(_report(status, circuit))
    await monitor.alert_on_degradation(_report("degraded"))  # within the 15 min cooldown
    assert inbox.sent == [
        ("alert.fired", "breaker:mock"),
        ("alert.fired", "health:mock"),
        ("alert.resolved", "breaker:mock"),
        ("alert.resolved", "health:mock"),
    ]
    async with services.db.sessions() as session:
        rows = list(await session.scalars(select(AlertRow).order_by(AlertRow.id)))
    assert [(r.kind, r.status, r.occurrences) for r in rows] == [
        ("breaker_open", "resolved", 2),
        ("health_unhealthy", "resolved", 3),
    ]
