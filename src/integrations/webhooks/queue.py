"""The background-work seam: enqueue / claim / complete / retry-at, over `webhook_events`.

The event row is the job, so there is never a job without its event or the reverse. A
claim is a compare-and-set: it takes rows that are due (pending, or processing with an
expired lease after a crash) and stamps them with a lease that doubles as the claim token.
Completing requires the same token, so a worker whose lease ran out cannot finish an event
another worker has taken over. A distributed job engine can replace this class later.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from integrations.storage.db import Database
from integrations.storage.tables import utcnow
from integrations.storage.tables_inbound import WebhookEventRow

__all__ = ["Claim", "EventQueue"]

Claim = tuple[int, dt.datetime]  # (event row id, lease token)
W = WebhookEventRow
_EVENTS = cast(Table, W.__table__)
# Marks a batch processed with one executemany; each row only while its lease is still ours.
_MARK_PROCESSED = (
    update(_EVENTS)
    .where(
        _EVENTS.c.id == bindparam("b_id"),
        _EVENTS.c.status == "processing",
        _EVENTS.c.locked_until == bindparam("b_token"),
    )
    .values(
        status="processed",
        next_attempt_at=None,
        locked_until=None,
        last_error=None,
        attempt_log=bindparam("b_log"),
        processed_at=bindparam("b_at"),
    )
)


def _due(now: dt.datetime) -> Any:
    return or_(
        and_(W.status == "pending", or_(W.next_attempt_at.is_(None), W.next_attempt_at <= now)),
        and_(W.status == "processing", W.locked_until < now),
    )


class EventQueue:
    """Claims due webhook events for processing.

    Args:
        database: where `webhook_events` lives.
        lease_seconds: how long a claim holds before another worker may take the event.
    """

    def __init__(self, database: Database, *, lease_seconds: float = 60.0) -> None:
        self._db = database
        self.lease = dt.timedelta(seconds=lease_seconds)

    async def claim(self, limit: int) -> list[Claim]:
        """Take up to `limit` due events; each comes with its lease token."""
        now = utcnow()
        lease = now + self.lease
        async with self._db.sessions.begin() as session:
            ids = list(
                await session.scalars(select(W.id).where(_due(now)).order_by(W.id).limit(limit))
            )
            if not ids:
                return []
            claimed = await session.scalars(
                update(W)
                .where(W.id.in_(ids), _due(now))
                .values(status="processing", locked_until=lease, attempts=W.attempts + 1)
                .returning(W.id)
            )
            return [(event_id, lease) for event_id in claimed]

    @staticmethod
    async def claimed_row(session: AsyncSession, claim: Claim) -> WebhookEventRow | None:
        """The event of `claim` read in `session`, or None when the claim is no longer held."""
        return (await EventQueue.claimed_rows(session, [claim])).get(claim[0])

    @staticmethod
    async def claimed_rows(
        session: AsyncSession, claims: list[Claim]
    ) -> dict[int, WebhookEventRow]:
        """The events of `claims` read in `session` with one query, by row id; a claim no
        longer held (its lease ran out and another worker took the event) is left out."""
        tokens = dict(claims)
        rows = await session.scalars(select(W).where(W.id.in_(tokens)))
        return {
            row.id: row
            for row in rows
            if row.status == "processing" and row.locked_until == tokens[row.id]
        }

    @staticmethod
    async def finish_processed(
        session: AsyncSession, done: list[tuple[Claim, WebhookEventRow, dict[str, Any]]]
    ) -> bool:
        """Mark every event of `done` (claim, row as read, attempt note) processed inside
        `session` with one statement; False when any claim was lost meanwhile, in which case
        the caller must roll back."""
        now = utcnow()
        params = [
            {"b_id": claim[0], "b_token": claim[1], "b_log": [*row.attempt_log, note], "b_at": now}
            for claim, row, note in done
        ]
        result = await session.execute(_MARK_PROCESSED, params)
        return int(getattr(result, "rowcount", 0) or 0) == len(done)

    @staticmethod
    async def finish(
        session: AsyncSession,
        claim: Claim,
        row: WebhookEventRow,
        *,
        status: str,
        next_attempt_at: dt.datetime | None = None,
        error: str | None = None,
        attempt: dict[str, Any] | None = None,
    ) -> bool:
        """Close one attempt inside `session` (the handler's transaction), `row` being the
        event as `claimed_row` read it there; False when the claim was lost meanwhile, in which
        case the caller must roll back.

        One conditional UPDATE (compare-and-set on the lease token): it changes nothing when
        another worker re-claimed the event after this lease ran out.
        """
        event_id, token = claim
        log = [*row.attempt_log, attempt] if attempt is not None else row.attempt_log
        result = await session.execute(
            update(W)
            .where(W.id == event_id, W.status == "processing", W.locked_until == token)
            .values(
                status=status,
                next_attempt_at=next_attempt_at,
                locked_until=None,
                last_error=error,
                attempt_log=log,
                processed_at=utcnow() if status == "processed" else W.processed_at,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def retry_now(self, event_ids: list[int]) -> int:
        """Make events due again (manual retry, replay); returns how many."""
        if not event_ids:
            return 0
        async with self._db.sessions.begin() as session:
            result = await session.execute(
                update(W)
                .where(W.id.in_(event_ids), W.status != "processing")
                .values(status="pending", next_attempt_at=utcnow(), locked_until=None)
            )
            return int(getattr(result, "rowcount", 0) or 0)
