"""The periodic reconciliation job: gap detection for every enabled webhook-fed connector.

Schedule: `INTEGRATIONS_JOBS__RECONCILIATION_CRON` (every 15 minutes by default). Every vendor
call goes on the limiter's background lane, so a reconciliation never takes the budget's
reserved interactive share. Each run adds to the ledger (`reconciliation.ledger`) and logs
`reconciliation.finished` with the gaps it healed, then judges the run's gap rate
(`reconciliation.alerting`: the `webhook_gaps` alert).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from integrations.errors import IntegrationDisabledError
from integrations.jobs.context import JobContext
from integrations.jobs.registry import job
from integrations.logging import get_logger
from integrations.reconciliation.alerting import judge_gap_rate
from integrations.reconciliation.ledger import ReconciliationLedger, ReconciliationRun, record_run
from integrations.reconciliation.pandadoc import reconcile_documents
from integrations.reconciliation.typeform import reconcile_form_responses

__all__ = ["RECONCILERS", "reconcile_webhooks", "run_reconciliation"]

Reconciler = Callable[[Any, Any], Awaitable[ReconciliationRun]]
RECONCILERS: dict[str, Reconciler] = {
    "pandadoc": reconcile_documents,
    "typeform": reconcile_form_responses,
}
_log = get_logger()


async def run_reconciliation(ctx: JobContext, integration: str) -> ReconciliationLedger | None:
    """One reconciliation of `integration` (None when it is disabled)."""
    try:
        client = await ctx.factory.get(integration)
    except IntegrationDisabledError:
        return None
    run = await RECONCILERS[integration](ctx.services, client)
    ledger = await record_run(ctx.services, run)
    _log.info(
        "reconciliation.finished",
        integration=integration,
        entity=run.entity,
        checked=run.checked,
        gaps=len(run.gaps),
        gap_ids=run.gaps[:20],
        gaps_total=ledger.gaps_total,
    )
    try:
        await judge_gap_rate(ctx.alerts, run)
    except Exception as exc:  # the healed rows and the ledger stand without the alert
        _log.warning("reconciliation.alert_failed", integration=integration, error=repr(exc))
    return ledger


@job(
    "reconcile_webhooks",
    periodic=lambda s: s.reconciliation_cron,
    max_attempts=1,
    queueing_lock="reconcile_webhooks",
)
async def reconcile_webhooks(ctx: JobContext) -> None:
    """Reconcile every webhook-fed connector (a failed one is logged; the others still run,
    and the next scheduled run retries it)."""
    for integration in RECONCILERS:
        try:
            await run_reconciliation(ctx, integration)
        except Exception as exc:
            _log.warning("reconciliation.failed", integration=integration, error=repr(exc))
