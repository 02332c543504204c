"""The `change_deliveries` queue in SQL: fan-out, the deliveries due now, results, replay.

Fan-out gives each enabled subscription a delivery row per matching change after the
newest change it already has (or, for a new subscription, the changes recorded since it
was created). The filter runs in SQL over the (integration, entity, id) index, so a
subscription to a rare entity does not rescan the log. `record_change` makes ids visible
in commit order, so "after the newest" never skips a change that commits late.

`due_heads` is `delivery_policy.deliverable` in SQL: the oldest pending change of each
(subscription, entity), when due; a test checks both agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from integrations.changes.delivery_policy import DeliveryDecision, entity_key, parse_filter
from integrations.storage.tables_changes import (
    ChangeDeliveryRow,
    ChangeRow,
    EventSubscriptionRow,
)

__all__ = ["Attempt", "due_heads", "fan_out", "filter_condition", "record_attempts", "replay"]

D, C = ChangeDeliveryRow, ChangeRow


def filter_condition(filters: Sequence[str]) -> ColumnElement[bool]:
    """The SQL condition on `changes` matching any of `filters`."""
    clauses: list[ColumnElement[bool]] = []
    for text in filters:
        integration, entity = parse_filter(text)
        parts: list[ColumnElement[bool]] = [true()]
        if integration != "*":
            parts.append(C.integration == integration)
        if entity != "*":
            parts.append(C.entity == entity)
        clauses.append(and_(*parts))
    return or_(*clauses) if clauses else false()


def _delivery(subscription_id: int, change: ChangeRow, now: dt.datetime) -> ChangeDeliveryRow:
    return ChangeDeliveryRow(
        subscription_id=subscription_id,
        change_id=change.id,
        entity_key=entity_key(change.integration, change.entity, change.external_id),
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )


async def fan_out(session: AsyncSession, *, now: dt.datetime, limit: int) -> int:
    """Queue up to `limit` new changes per enabled subscription; how many rows were added."""
    added = 0
    subscriptions = await session.scalars(
        select(EventSubscriptionRow).where(EventSubscriptionRow.enabled.is_(True))
    )
    for subscription in list(subscriptions):
        newest = await session.scalar(
            select(func.max(D.change_id)).where(D.subscription_id == subscription.id)
        )
        since = C.id > newest if newest is not None else C.occurred_at >= subscription.created_at
        changes = await session.scalars(
            select(C)
            .where(since, filter_condition(subscription.entities))
            .order_by(C.id)
            .limit(limit)
        )
        rows = [_delivery(subscription.id, change, now) for change in changes]
        session.add_all(rows)
        added += len(rows)
    await session.flush()
    return added


async def due_heads(session: AsyncSession, *, now: dt.datetime, limit: int) -> list[Any]:
    """`(delivery, change, subscription)` rows to send now, oldest change first."""
    head = (
        select(D.subscription_id, D.entity_key, func.min(D.change_id).label("change_id"))
        .where(D.status == "pending")
        .group_by(D.subscription_id, D.entity_key)
        .subquery()
    )
    statement = (
        select(D, C, EventSubscriptionRow)
        .join(
            head,
            and_(D.subscription_id == head.c.subscription_id, D.change_id == head.c.change_id),
        )
        .join(C, C.id == D.change_id)
        .join(EventSubscriptionRow, EventSubscriptionRow.id == D.subscription_id)
        .where(D.next_attempt_at <= now, EventSubscriptionRow.enabled.is_(True))
        .order_by(D.change_id)
        .limit(limit)
    )
    return list((await session.execute(statement)).all())


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt's result: the delivery, its attempt number, and what to store."""

    delivery_id: int
    attempts: int
    status: int | None
    decision: DeliveryDecision


async def record_attempts(
    session: AsyncSession, attempts: Sequence[Attempt], *, now: dt.datetime
) -> None:
    """Store a round's results on their delivery rows, in one executemany UPDATE."""
    if not attempts:
        return
    rows = [
        {
            "id": a.delivery_id,
            "attempts": a.attempts,
            "status": a.decision.outcome,
            "last_status": a.status,
            "last_error": a.decision.reason or None,
            "delivered_at": now if a.decision.outcome == "delivered" else None,
            "next_attempt_at": now + dt.timedelta(seconds=a.decision.wait),
        }
        for a in attempts
    ]
    await session.execute(update(D), rows)


async def replay(
    session: AsyncSession,
    subscription: EventSubscriptionRow,
    *,
    after: int,
    before: int | None,
    now: dt.datetime,
) -> int:
    """Queue again every matching change with `after < cursor <= before` (delivered or dead
    ones are re-sent; changes never fanned out to it are added); how many are pending."""
    in_range = [C.id > after] + ([C.id <= before] if before is not None else [])
    await session.execute(
        update(D)
        .where(
            D.subscription_id == subscription.id,
            D.change_id > after,
            *([D.change_id <= before] if before is not None else []),
        )
        .values(status="pending", attempts=0, next_attempt_at=now, last_error=None)
    )
    have = select(D.change_id).where(D.subscription_id == subscription.id)
    missing = await session.scalars(
        select(C).where(*in_range, filter_condition(subscription.entities), C.id.not_in(have))
    )
    session.add_all(_delivery(subscription.id, change, now) for change in missing)
    await session.flush()
    count = select(func.count()).where(
        D.subscription_id == subscription.id,
        D.status == "pending",
        D.change_id > after,
        *([D.change_id <= before] if before is not None else []),
    )
    return int(await session.scalar(count) or 0)
