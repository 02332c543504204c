"""The `webhook_gaps` alert: a reconciliation run that healed too large a share of what it
checked means webhooks are being lost (our endpoint unreachable, the vendor's subscription
disabled or pointing elsewhere), not the odd dropped delivery.

After each run: gaps / checked above `INTEGRATIONS_ALERTS__RECONCILIATION_GAP_RATE` (5%),
judged only with at least `MIN_CHECKED` records, fires `webhook_gaps` under the dedupe key
`webhook_gaps:<integration>:<entity>`; a run at or under the threshold resolves it. A run
that checked too few records and found too many gaps changes nothing (one lost webhook out of
three is no evidence either way).
"""

from __future__ import annotations

from typing import Literal

from integrations.reconciliation.ledger import ReconciliationRun
from integrations.telemetry.alerts import AlertManager, AlertSignal

__all__ = ["MIN_CHECKED", "judge_gap_rate"]

MIN_CHECKED = 10
Verdict = Literal["fired", "resolved", "too_few"]


def dedupe_key(run: ReconciliationRun) -> str:
    return f"webhook_gaps:{run.integration}:{run.entity}"


async def judge_gap_rate(alerts: AlertManager, run: ReconciliationRun) -> Verdict:
    """Fire or resolve the run's `webhook_gaps` incident (a repeat only counts on it)."""
    threshold = alerts.settings.reconciliation_gap_rate
    if run.gap_rate <= threshold:
        await alerts.resolve(
            dedupe_key(run),
            f"{run.integration} {run.entity}: {len(run.gaps)} of {run.checked} records "
            f"lacked a webhook, within {threshold:.0%}",
        )
        return "resolved"
    if run.checked < MIN_CHECKED:
        return "too_few"
    signal = AlertSignal(
        kind="webhook_gaps",
        integration=run.integration,
        severity="warning",
        message=(
            f"{run.integration} {run.entity}: {len(run.gaps)} of {run.checked} records "
            f"({run.gap_rate:.0%}) had no webhook; reconciliation healed them"
        ),
        details={
            "entity": run.entity,
            "checked": run.checked,
            "gaps": len(run.gaps),
            "gap_rate": round(run.gap_rate, 4),
            "threshold": threshold,
            "gap_ids": run.gaps[:20],
        },
    )
    await alerts.fire(signal, dedupe_key=dedupe_key(run))
    return "fired"
