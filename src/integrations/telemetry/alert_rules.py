"""The metric rules `AlertManager.evaluate()` runs every few minutes (the metrics job).

Each rule reads the merged metric windows of one integration (every operation and every
writing process, through `windows.recent_stats`) and either fires its incident or resolves
it, so an incident closes on the first evaluation after its condition clears:

| kind | fires when | window |
|------|------------|--------|
| `failure_rate` | failures / calls > `failure_rate` with at least `min_calls` calls | 5 min |
| `rate_limited` | 429 answers + limiter waits > `rate_limit_hits` | 15 min |
| `budget_exceeded` | summed call cost > `budget_per_day[integration]` | since 00:00 UTC |

Fewer than `min_calls` calls is not enough to judge, and counts as clear: an incident then
closes instead of staying open over an integration nobody calls any more. A budget incident
closes at midnight UTC, when the day's cost starts again from zero.

Integrations evaluated: those with metric rows in the last day, those with a budget, and
those with an open incident of one of these kinds (so every incident can close).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from integrations.storage.tables import AlertRow, MetricRow
from integrations.telemetry.alerts import AlertManager, AlertSignal
from integrations.telemetry.windows import WindowStats, recent_stats

__all__ = ["FAILURE_WINDOW_S", "RATE_LIMIT_WINDOW_S", "RULE_KINDS", "evaluate_rules"]

FAILURE_WINDOW_S = 300
RATE_LIMIT_WINDOW_S = 900
RULE_KINDS = ("failure_rate", "rate_limited", "budget_exceeded")


async def _integrations(manager: AlertManager, now: dt.datetime) -> list[str]:
    since = now - dt.timedelta(days=1)
    async with manager.db.sessions() as session:
        measured = await session.scalars(
            select(MetricRow.integration).where(MetricRow.window_start >= since).distinct()
        )
        alerting = await session.scalars(
            select(AlertRow.integration)
            .where(AlertRow.status == "open", AlertRow.kind.in_(RULE_KINDS))
            .distinct()
        )
        names = {*measured, *(a for a in alerting if a), *manager.settings.budget_per_day}
    return sorted(names)


def _failure_signal(manager: AlertManager, stats: WindowStats) -> AlertSignal | None:
    limit = manager.settings.failure_rate
    if stats.calls < manager.settings.min_calls or stats.failures <= limit * stats.calls:
        return None
    rate = stats.failures / stats.calls
    return AlertSignal(
        "failure_rate",
        stats.integration,
        "critical",
        f"{stats.integration}: {rate:.0%} of {stats.calls} calls failed in the last 5 minutes"
        f" (threshold {limit:.0%})",
        {"calls": stats.calls, "failures": stats.failures, "rate": rate, "errors": stats.errors},
    )


def _rate_limit_signal(manager: AlertManager, stats: WindowStats) -> AlertSignal | None:
    hits = stats.rate_limited + stats.rate_limit_waits
    if hits <= manager.settings.rate_limit_hits:
        return None
    return AlertSignal(
        "rate_limited",
        stats.integration,
        "warning",
        f"{stats.integration}: rate limit hit {hits} times in 15 minutes"
        f" ({stats.rate_limited} answers 429, {stats.rate_limit_waits} limiter waits)",
        {"hits": hits, "rate_limited": stats.rate_limited, "waits": stats.rate_limit_waits},
    )


def _budget_signal(
    manager: AlertManager, stats: WindowStats, budget: float | None
) -> AlertSignal | None:
    if budget is None or stats.cost <= budget:
        return None
    return AlertSignal(
        "budget_exceeded",
        stats.integration,
        "warning",
        f"{stats.integration}: today's cost {stats.cost:g} is over the daily budget {budget:g}",
        {"cost": stats.cost, "budget": budget},
    )


async def _apply(
    manager: AlertManager, kind: str, name: str, signal: AlertSignal | None
) -> AlertRow | None:
    key = f"{kind}:{name}"
    if signal is not None:
        return await manager.fire(signal, dedupe_key=key)
    return await manager.resolve(key, f"{kind} cleared for {name}")


async def evaluate_rules(manager: AlertManager, *, now: dt.datetime) -> list[AlertRow]:
    """Fire or resolve each rule for each integration at `now`; the rows that changed."""
    changed: list[AlertRow] = []
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for name in await _integrations(manager, now):
        db = manager.db
        recent = await recent_stats(db, name, seconds=FAILURE_WINDOW_S, now=now)
        quarter = await recent_stats(db, name, seconds=RATE_LIMIT_WINDOW_S, now=now)
        outcomes = [
            await _apply(manager, "failure_rate", name, _failure_signal(manager, recent)),
            await _apply(manager, "rate_limited", name, _rate_limit_signal(manager, quarter)),
        ]
        budget = manager.settings.budget_per_day.get(name)
        if budget is not None:
            seconds = max((now - midnight).total_seconds(), 1.0)
            today = await recent_stats(db, name, seconds=seconds, now=now)
            signal = _budget_signal(manager, today, budget)
            outcomes.append(await _apply(manager, "budget_exceeded", name, signal))
        changed.extend(row for row in outcomes if row is not None)
    return changed
