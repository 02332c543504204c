"""One attempt at one claimed event: its handlers and its outcome, in transactions of its own.

`worker.WebhookWorker` processes events in batches and falls back to these single attempts when
a batch cannot tell who holds its events; a failed attempt is always recorded here: `pending`
with a backoff, or `dead` at the attempt limit, with an `attempt_log` entry and a log line.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from integrations.core.backoff import full_jitter
from integrations.logging import bind_trace_id, get_logger, redact_text
from integrations.storage.db import Database
from integrations.storage.tables import utcnow
from integrations.webhooks.dispatch import HandlerRegistry, InboxEvent, to_event
from integrations.webhooks.queue import Claim, EventQueue

__all__ = ["EventAttempts", "LostClaimError", "processed_note"]

_log = get_logger()


def processed_note(event: InboxEvent) -> dict[str, Any]:
    return {"attempt": event.attempt, "at": utcnow().isoformat(), "outcome": "processed"}


class LostClaimError(Exception):
    """Another worker owns an event now; roll this attempt back."""


class EventAttempts:
    """Single attempts at claimed events.

    Args:
        database: where events live.
        handlers: the registry.
        queue: the claim seam.
        max_attempts: attempts before an event is dead.
        base_seconds / cap_seconds: backoff of retries.
    """

    def __init__(
        self,
        database: Database,
        handlers: HandlerRegistry,
        queue: EventQueue,
        *,
        max_attempts: int = 5,
        base_seconds: float = 2.0,
        cap_seconds: float = 3600.0,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._db = database
        self.handlers = handlers
        self.queue = queue
        self.max_attempts = max_attempts
        self._base, self._cap = base_seconds, cap_seconds
        self._rng = rng

    async def process(self, claim: Claim) -> None:
        """One attempt at one claimed event: read, handlers and completion in one transaction."""
        event: InboxEvent | None = None
        trace_id: str | None = None
        failure: Exception | None = None
        try:
            async with self._db.sessions.begin() as session:
                row = await self.queue.claimed_row(session, claim)
                if row is None:
                    raise LostClaimError
                event, trace_id = to_event(row), row.trace_id
                await self.handle(event, session, trace_id)
                note = processed_note(event)
                if not await self.queue.finish(
                    session, claim, row, status="processed", attempt=note
                ):
                    raise LostClaimError
        except LostClaimError:
            _log.warning("webhook.claim_lost", event_row=claim[0])
            return
        except Exception as exc:  # rolled back; recorded below in a transaction of its own
            failure = exc
        with bind_trace_id(trace_id):
            if event is None:  # the read itself failed: the lease lets it be claimed again
                _log.error("webhook.read_failed", event_row=claim[0], error=repr(failure))
            elif failure is not None:
                await self.failed(claim, event, failure)
            else:
                self.log_processed(event)

    async def handle(self, event: InboxEvent, session: AsyncSession, trace_id: str | None) -> None:
        """Run the event's handlers and flush their writes, so a refused write is its error."""
        with bind_trace_id(trace_id):
            for handler in self.handlers.for_event(event.integration, event.event_type):
                await handler(event, session)
            await session.flush()

    @staticmethod
    def log_processed(event: InboxEvent) -> None:
        _log.info(
            "webhook.processed",
            integration=event.integration,
            event_id=event.event_id,
            event_type=event.event_type,
            attempt=event.attempt,
        )

    async def failed(self, claim: Claim, event: InboxEvent, exc: Exception) -> None:
        error = redact_text(f"{type(exc).__name__}: {exc}")[:500]
        dead = event.attempt >= self.max_attempts
        wait = full_jitter(event.attempt - 1, base=self._base, cap=self._cap, rng=self._rng)
        # At least a second of spacing, so a failing handler never spins.
        next_at = None if dead else utcnow() + dt.timedelta(seconds=max(wait, 1.0))
        note = {
            "attempt": event.attempt,
            "at": utcnow().isoformat(),
            "outcome": "dead" if dead else "retry",
            "error": error,
            "next_attempt_at": next_at.isoformat() if next_at else None,
        }
        async with self._db.sessions.begin() as session:
            row = await self.queue.claimed_row(session, claim)
            if row is None:
                _log.warning("webhook.claim_lost", event_row=claim[0])
                return
            await self.queue.finish(
                session,
                claim,
                row,
                status="dead" if dead else "pending",
                next_attempt_at=next_at,
                error=error,
                attempt=note,
            )
        (_log.error if dead else _log.warning)(
            "webhook.dead_lettered" if dead else "webhook.retry_scheduled",
            integration=event.integration,
            event_id=event.event_id,
            attempt=event.attempt,
            error=error,
            next_attempt_at=note["next_attempt_at"],
        )
