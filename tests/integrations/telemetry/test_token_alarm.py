"""A refused OAuth refresh opens one `token_refresh_failed` incident per integration, deduped
while it lasts, and the integration's next successful call resolves it."""

from __future__ import annotations

from sqlalchemy import select

from integrations.core.records import CallRecord, MemoryCallRecorder
from integrations.ops_config import AlertSettings
from integrations.storage.db import Database
from integrations.storage.tables import AlertRow
from integrations.telemetry.alerts import AlertManager
from integrations.telemetry.token_alarm import TokenAlarmRecorder
from tests.integrations.telemetry.test_alerts import Clock, RecordingChannel


def _record(integration: str, *, code: str | None, trace: str) -> CallRecord:
    return CallRecord(
        integration=integration,
        operation="list_documents",
        method="GET",
        status_code=None if code else 200,
        success=code is None,
        duration_ms=3.0,
        retry_count=0,
        cache_hit=False,
        is_mock=False,
        trace_id=trace,
        error_class="TokenRefreshError" if code else None,
        error_code=code,
    )


async def test_refresh_failure_alerts_once_and_recovers(db: Database) -> None:
    channel = RecordingChannel()
    alerts = AlertManager(db, AlertSettings(), channels=[channel], now=Clock())
    inner = MemoryCallRecorder()
    recorder = TokenAlarmRecorder(inner, alerts)

    recorder.record(_record("pandadoc", code="token_refresh_failed", trace="t1"))
    await recorder.flush()
    recorder.record(_record("pandadoc", code="token_refresh_failed", trace="t2"))
    recorder.record(_record("typeform", code="auth_error", trace="t3"))  # not a refresh
    await recorder.flush()

    async with db.sessions() as session:
        (row,) = list(await session.scalars(select(AlertRow)))
    assert (row.kind, row.integration, row.status, row.occurrences) == (
        "token_refresh_failed",
        "pandadoc",
        "open",
        2,
    )
    assert row.details is not None and row.details["trace_id"] == "t1"
    assert channel.types() == ["alert.fired"]
    assert len(inner.records) == 3  # every record still reaches the call log

    recorder.record(_record("pandadoc", code=None, trace="t4"))
    await recorder.close()
    async with db.sessions() as session:
        (row,) = list(await session.scalars(select(AlertRow)))
    assert row.status == "resolved"
    assert channel.types() == ["alert.fired", "alert.resolved"]
