"""`HealthMonitor`: check integrations now, store what was seen, alert when it got worse.

A check asks the integration's own client (the process factory's, so it shares breaker,
budget and call records with real calls; a mock-mode client asks its simulator) for its
health check, then reads the breaker, the limiter's headroom and the last five minutes of
metric windows, and applies the rule in `health_rules` (the table of statuses is there).
Nothing in `check_all_health` raises: a check that crashes is reported `unknown` with why,
so the periodic job can call it every five minutes without guarding it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING, Any

from integrations.core.client import BaseIntegration
from integrations.errors import AuthError, CircuitOpenError, ConfigError, IntegrationError
from integrations.logging import get_logger
from integrations.registry import CONNECTORS, get_connector
from integrations.storage.tables import HealthRow
from integrations.telemetry.health_rules import (
    HealthReport,
    HealthSignals,
    HealthStatus,
    HealthThresholds,
    classify,
)
from integrations.telemetry.windows import recent_stats

if TYPE_CHECKING:
    from integrations.factory import IntegrationFactory
    from integrations.services import Services
    from integrations.telemetry.alerts import AlertManager

__all__ = ["WINDOW_SECONDS", "HealthMonitor", "HealthReport", "HealthStatus"]

WINDOW_SECONDS = 300  # the "recent window" error rate and p95 are read over
_log = get_logger()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class HealthMonitor:
    """Runs health checks for the integrations it watches.

    Cheap to build (it holds references only), so a periodic job may make one per run.

    Args:
        services: settings (`INTEGRATIONS_ALERTS__*` thresholds) and the database.
        factory: the process factory whose clients are checked.
        alerts: where degradation is reported; None to only store and return reports.
    """

    def __init__(
        self,
        services: Services,
        factory: IntegrationFactory,
        alerts: AlertManager | None = None,
    ) -> None:
        self.services = services
        self.factory = factory
        self.alerts = alerts
        self._objectives: dict[str, float | None] = {}

    def register_integration(self, name: str, *, latency_objective_ms: float | None = None) -> None:
        """Watch `name` in `check_all_health` (by default every enabled one is watched).

        Args:
            latency_objective_ms: this integration's p95 objective, instead of
                `INTEGRATIONS_ALERTS__LATENCY_OBJECTIVE_MS`.

        Raises:
            ConfigError: no connector has this name.
        """
        get_connector(name)
        self._objectives[name] = latency_objective_ms

    def thresholds(self, name: str) -> HealthThresholds:
        """The limits `name` is judged by."""
        alerts = self.services.settings.alerts
        objective = self._objectives.get(name) or alerts.latency_objective_ms
        return HealthThresholds(alerts.degraded_error_rate, objective, alerts.min_headroom)

    async def check_health(self, name: str) -> HealthReport:
        """Run `name`'s health check now and judge it; nothing is stored.

        A disabled integration is reported `disabled` without calling its vendor; one without
        a client in this version is `unknown`.

        Raises:
            ConfigError: no connector has this name.
        """
        info = get_connector(name)
        config = await self.services.get_config(name)
        if not config.settings.enabled:
            return HealthReport(name, "disabled", ["not enabled: its vendor is not called"], _now())
        if info.client is None:
            return HealthReport(name, "unknown", ["no client in this version"], _now())
        try:
            client = await self.factory.get(name)
        except ConfigError as exc:  # live mode without credentials, for one
            signals = HealthSignals(auth_error=exc.message)
            return self._judge(name, signals, None, is_mock=config.settings.mode == "mock")
        return await self._check_client(name, client)

    async def _check_client(self, name: str, client: BaseIntegration) -> HealthReport:
        auth_error = check_error = None
        latency: float | None = None
        try:
            result = await client.health_check()
            latency = result.latency_ms
            if not result.healthy:
                check_error = result.message or "the vendor reported itself unhealthy"
        except AuthError as exc:
            auth_error = exc.message
        except CircuitOpenError:
            pass  # the breaker's state says it, with its own reason
        except IntegrationError as exc:
            check_error = f"{exc.code}: {exc.message}"
        await self._flush_windows()
        stats = await recent_stats(self.services.db, name, seconds=WINDOW_SECONDS)
        signals = HealthSignals(
            circuit_state=(await client.breaker.snapshot()).state,
            auth_error=auth_error,
            check_error=check_error,
            error_rate=stats.error_rate,
            p95_ms=stats.p95_ms,
            headroom=await client.limiter.headroom(),
        )
        return self._judge(name, signals, latency, is_mock=client.is_mock)

    async def _flush_windows(self) -> None:
        """Write this process's open metric windows first, so the check reads its own calls."""
        windows = getattr(self.factory, "windows", None)
        if windows is not None:
            await windows.flush()

    def _judge(
        self, name: str, signals: HealthSignals, latency: float | None, *, is_mock: bool
    ) -> HealthReport:
        status, reasons = classify(signals, self.thresholds(name))
        return HealthReport(
            name,
            status,
            reasons,
            _now(),
            circuit_state=signals.circuit_state,
            latency_ms=latency,
            error_rate=signals.error_rate,
            p95_ms=signals.p95_ms,
            headroom=signals.headroom,
            is_mock=is_mock,
        )

    async def watched(self) -> list[str]:
        """The registered integrations, or every enabled one when none was registered."""
        if self._objectives:
            return sorted(self._objectives)
        configs = [await self.services.get_config(n) for n in sorted(CONNECTORS)]
        return [c.integration for c in configs if c.settings.enabled]

    async def check_and_record(self, name: str) -> HealthReport:
        """`check_health`, then store the report and alert on it: what the API, the CLI and
        the periodic job do for one integration."""
        report = await self.check_health(name)
        await self.update_health_status(report)
        await self.alert_on_degradation(report)
        return report

    async def check_all_health(self) -> list[HealthReport]:
        """Check, store and alert for every watched integration at once; never raises."""
        names = await self.watched()
        return list(await asyncio.gather(*(self._safe(n) for n in names)))

    async def _safe(self, name: str) -> HealthReport:
        try:
            return await self.check_and_record(name)
        except Exception as exc:
            _log.exception("health.check_crashed", integration=name)
            return HealthReport(name, "unknown", [f"check crashed: {type(exc).__name__}"], _now())

    async def update_health_status(self, report: HealthReport) -> None:
        """Append `report` to `integration_health` (source `check`)."""
        async with self.services.db.sessions.begin() as session:
            session.add(
                HealthRow(
                    integration=report.integration,
                    status=report.status,
                    source="check",
                    circuit_state=report.circuit_state,
                    latency_ms=report.latency_ms,
                    message="; ".join(report.reasons) or "ok",
                    details=report.details(),
                    checked_at=report.checked_at,
                )
            )

    async def alert_on_degradation(self, report: HealthReport) -> None:
        """Open or close the integration's incidents through the `AlertManager`.

        `health:<name>` is one incident from the first degraded or unhealthy report to the
        next healthy one (an escalation counts on the open incident); `breaker:<name>` is
        open while the breaker is. `unknown` and `disabled` reports change nothing.
        """
        if self.alerts is None or report.status in ("unknown", "disabled"):
            return
        from integrations.telemetry.alerts import AlertSignal

        name = report.integration
        if report.circuit_state == "open":
            await self.alerts.fire(
                AlertSignal("breaker_open", name, "critical", f"{name}: circuit breaker open"),
                dedupe_key=f"breaker:{name}",
            )
        elif report.circuit_state is not None:
            await self.alerts.resolve(f"breaker:{name}", f"{name}: circuit breaker closed again")
        if report.status == "healthy":
            await self.alerts.resolve(f"health:{name}", f"{name}: healthy again")
            return
        message = f"{name} is {report.status}: " + "; ".join(report.reasons)
        details: dict[str, Any] = report.details()
        signal = (
            AlertSignal("health_unhealthy", name, "critical", message, details)
            if report.status == "unhealthy"
            else AlertSignal("health_degraded", name, "warning", message, details)
        )
        await self.alerts.fire(signal, dedupe_key=f"health:{name}")
