"""The `webhook_gaps` alert: a run whose gap rate passes the threshold (with enough records
checked) opens one incident per (integration, entity); a run under it resolves it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from integrations.ops_config import AlertSettings
from integrations.reconciliation.alerting import MIN_CHECKED, judge_gap_rate
from integrations.reconciliation.ledger import ReconciliationRun
from integrations.services import Services
from integrations.storage.tables import AlertRow
from integrations.telemetry.alerts import AlertManager
from tests.integrations.telemetry.test_alerts import RecordingChannel


def _run(checked: int, gaps: int, integration: str = "typeform") -> ReconciliationRun:
    return ReconciliationRun(integration, "form_responses", checked, [f"g{n}" for n in range(gaps)])


async def _alerts(services: Services) -> list[AlertRow]:
    async with services.db.sessions() as session:
        return list(await session.scalars(select(AlertRow).order_by(AlertRow.id)))


async def test_gap_rate_fires_once_and_a_run_under_it_resolves(services: Services) -> None:
    channel = RecordingChannel()
    alerts = AlertManager(
        services.db, AlertSettings(reconciliation_gap_rate=0.1), channels=[channel]
    )
    assert await judge_gap_rate(alerts, _run(20, 2)) == "resolved"  # exactly at: not above
    assert await _alerts(services) == []
    assert await judge_gap_rate(alerts, _run(20, 3)) == "fired"
    assert await judge_gap_rate(alerts, _run(40, 30)) == "fired"  # a repeat: same incident
    assert await judge_gap_rate(alerts, _run(30, 9, "pandadoc")) == "fired"  # its own key
    typeform, pandadoc = await _alerts(services)
    assert (typeform.kind, typeform.dedupe_key) == (
        "webhook_gaps",
        "webhook_gaps:typeform:form_responses",
    )
    assert typeform.status == "open" and typeform.occurrences == 2
    assert (typeform.details or {}).get("gaps") == 3
    assert (typeform.details or {}).get("checked") == 20
    assert pandadoc.dedupe_key == "webhook_gaps:pandadoc:form_responses"
    assert channel.types() == ["alert.fired", "alert.fired"]

    assert await judge_gap_rate(alerts, _run(20, 1)) == "resolved"
    typeform, pandadoc = await _alerts(services)
    assert typeform.status == "resolved" and pandadoc.status == "open"
    assert channel.types() == ["alert.fired", "alert.fired", "alert.resolved"]


@pytest.mark.parametrize("gaps", [1, MIN_CHECKED - 1])
async def test_too_few_checked_neither_fires_nor_resolves(services: Services, gaps: int) -> None:
    alerts = AlertManager(services.db, AlertSettings(), channels=[RecordingChannel()])
    assert await judge_gap_rate(alerts, _run(MIN_CHECKED - 1, gaps)) == "too_few"
    assert await _alerts(services) == []
    await judge_gap_rate(alerts, _run(MIN_CHECKED, MIN_CHECKED))
    assert await judge_gap_rate(alerts, _run(3, 3)) == "too_few"
    [row] = await _alerts(services)
    assert row.status == "open"


def test_threshold_setting_defaults_to_five_percent_and_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from integrations.config import Settings

    assert AlertSettings().reconciliation_gap_rate == 0.05
    monkeypatch.setenv("INTEGRATIONS_ALERTS__RECONCILIATION_GAP_RATE", "0.2")
    assert Settings().alerts.reconciliation_gap_rate == 0.2
