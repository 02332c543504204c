"""What a running job sees, and the one wrapper both runners run every job through.

`run_job` binds the job's trace id, logs one canonical line per run (`jobs.run_finished`
with name, id, attempt, duration and outcome) and, when the run was the last allowed
attempt and failed, fires a `job_failed` alert. The telemetry modules are imported lazily:
the runners work (and are tested) without them, and a missing alert module is logged.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from integrations.core.tracing import span
from integrations.logging import bind_trace_id, get_logger

if TYPE_CHECKING:
    from integrations.factory import IntegrationFactory
    from integrations.jobs.registry import JobSpec
    from integrations.services import Services

__all__ = ["JobContext", "report_final_failure", "run_job"]

_log = get_logger()


@dataclass(slots=True)
class JobContext:
    """The services of the worker process and the identity of the run.

    Args:
        services / factory: the process's shared services and integration factory.
        name, job_id, attempt (1-based), max_attempts, trace_id: this run.
        scheduled_at: for a periodic run, the cron time it stands for.
    """

    services: Services
    factory: IntegrationFactory
    name: str = ""
    job_id: str = ""
    attempt: int = 1
    max_attempts: int = 1
    trace_id: str = ""
    scheduled_at: dt.datetime | None = None
    _alerts: Any = field(default=None, repr=False)

    @property
    def alerts(self) -> Any:
        """The process's `AlertManager`, built on first use."""
        if self._alerts is None:
            from integrations.telemetry.alerts import AlertManager

            self._alerts = AlertManager.from_services(self.services)
        return self._alerts

    @property
    def health(self) -> Any:
        """A `HealthMonitor` over every enabled integration, alerting through `alerts`."""
        from integrations.telemetry.health_monitor import HealthMonitor

        return HealthMonitor(self.services, self.factory, self.alerts)

    @property
    def windows(self) -> Any:
        """The process's metric `WindowRecorder` (None outside a process factory)."""
        return getattr(self.factory, "windows", None)


async def run_job(spec: JobSpec, ctx: JobContext, args: dict[str, Any]) -> None:
    """Run `spec` once with `args`; re-raises the job's error after logging it."""
    with bind_trace_id(ctx.trace_id or None) as trace_id:
        ctx.trace_id = trace_id
        started = time.perf_counter()
        outcome, error = "succeeded", None
        attributes = {
            "integrations.job": spec.name,
            "integrations.job_id": ctx.job_id,
            "integrations.attempt": ctx.attempt,
            "integrations.trace_id": trace_id,
        }
        try:
            with span(f"job {spec.name}", attributes):
                await spec.func(ctx, **args)
        except Exception as exc:
            final = ctx.attempt >= ctx.max_attempts
            outcome, error = ("failed" if final else "retrying"), repr(exc)
            if final:
                await report_final_failure(ctx, exc)
            raise
        finally:
            _log.info(
                "jobs.run_finished",
                job=spec.name,
                job_id=ctx.job_id,
                attempt=ctx.attempt,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
                outcome=outcome,
                **({"error": error} if error else {}),
            )


async def report_final_failure(ctx: JobContext, error: BaseException) -> None:
    """Fire `job_failed` for a job out of attempts (logged, never raised, if alerting fails)."""
    _log.error("jobs.failed_for_good", job=ctx.name, job_id=ctx.job_id, error=repr(error))
    try:
        from integrations.telemetry.alerts import AlertSignal

        signal = AlertSignal(
            kind="job_failed",
            integration=None,
            severity="warning",
            message=f"job {ctx.name} failed after {ctx.attempt} attempts: {error!r}"[:500],
            details={"job": ctx.name, "job_id": ctx.job_id, "trace_id": ctx.trace_id},
        )
        await ctx.alerts.fire(signal, dedupe_key=f"job_failed:{ctx.name}")
    except Exception as exc:  # an alert must never hide the job's own error
        _log.warning("jobs.alert_unavailable", job=ctx.name, error=repr(exc))
