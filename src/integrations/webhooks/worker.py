"""The webhook worker: runs the handlers of claimed events, retries with backoff, dead-letters.

Handlers run in the transaction that marks their event processed, so their database effects
happen exactly once (a crash rolls both back; the event is claimed again after its lease).
Events go in batches, one transaction each: one read, each event's handlers with their writes
flushed, one compare-and-set update for all, one commit; a transaction per event spent most of
its CPU on the transaction itself. A failing handler rolls the batch back, its event alone
records the failure and the rest runs again (the handlers before it twice, the first run rolled
back, as after a crash). A lease lost during a batch sends each event to a transaction of its
own. A batch commits early once its handlers took a quarter of the lease (docs/webhooks.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from integrations.core.backoff import full_jitter
from integrations.logging import bind_trace_id, get_logger, redact_text
from integrations.storage.db import Database
from integrations.storage.tables import utcnow
from integrations.storage.tables_inbound import WebhookEventRow
from integrations.webhooks.dispatch import HandlerRegistry, InboxEvent, to_event
from integrations.webhooks.queue import Claim, EventQueue

__all__ = ["WebhookWorker"]

_log = get_logger()


def _processed_note(event: InboxEvent) -> dict[str, Any]:
    return {"attempt": event.attempt, "at": utcnow().isoformat(), "outcome": "processed"}


class _HandlerFailedError(Exception):
    """A handler of the batch's event at `index` raised `error`; the batch rolls back."""

    def __init__(self, index: int, event: InboxEvent, error: Exception) -> None:
        super().__init__(repr(error))
        self.index, self.event, self.error = index, event, error


class _LostClaimError(Exception):
    """Another worker owns an event now; roll this attempt back."""


class WebhookWorker:
    """Claims due events and processes them in `concurrency` parallel batches.

    Args:
        database: where events live.
        handlers: the registry.
        queue: the claim seam.
        max_attempts: attempts before an event is dead.
        base_seconds / cap_seconds: backoff of retries.
        concurrency: batches in flight (handlers that wait on the network overlap).
        batch_size: events per transaction.
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
        concurrency: int = 4,
        batch_size: int = 32,
        poll_seconds: float = 1.0,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._db = database
        self.handlers = handlers
        self.queue = queue
        self.max_attempts = max_attempts
        self._base, self._cap = base_seconds, cap_seconds
        self._concurrency = concurrency
        self._batch_size = batch_size
        self._poll = poll_seconds
        self._rng = rng
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """New events were stored: look now instead of at the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        """Process every event due now; returns how many attempts ran."""
        total = 0
        while claims := await self.queue.claim(self._concurrency * self._batch_size):
            size = -(-len(claims) // self._concurrency)  # spread evenly over the batches
            batches = [claims[i : i + size] for i in range(0, len(claims), size)]
            await asyncio.gather(*(self._run_batch(batch) for batch in batches))
            total += len(claims)
        return total

    async def run(self) -> None:
        """Process forever (cancel to stop)."""
        while True:
            try:
                await self.run_once()
            except Exception:
                _log.exception("webhook.worker_failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll)

    async def _run_batch(self, claims: list[Claim]) -> None:
        pending = list(claims)
        while pending:
            try:
                pending = await self._batch(pending)
            except _HandlerFailedError as failed:
                await self._failed(pending.pop(failed.index), failed.event, failed.error)
            except Exception as exc:  # a lease ran out or the database failed: one by one
                if not isinstance(exc, _LostClaimError):
                    _log.warning("webhook.batch_failed", events=len(pending), error=repr(exc))
                for claim in pending:
                    await self.process(claim)
                return

    async def _batch(self, claims: list[Claim]) -> list[Claim]:
        """`claims` in one transaction, lost ones removed from the list first; returns those
        left for the next transaction when handlers took a quarter of the lease (slow
        handlers must not hold a batch until its leases run out).

        Raises:
            _HandlerFailedError: a handler failed (everything rolled back).
            _LostClaimError: a lease ran out before the commit (everything rolled back).
        """
        done: list[tuple[Claim, WebhookEventRow, dict[str, Any], InboxEvent]] = []
        budget = self.queue.lease.total_seconds() / 4
        started = time.monotonic()
        left: list[Claim] = []
        async with self._db.sessions.begin() as session:
            rows = await self.queue.claimed_rows(session, claims)
            for claim in [c for c in claims if c[0] not in rows]:
                _log.warning("webhook.claim_lost", event_row=claim[0])
                claims.remove(claim)
            for index, claim in enumerate(claims):
                if done and time.monotonic() - started > budget:
                    left = claims[index:]
                    break
                row = rows[claim[0]]
                event = to_event(row)
                try:
                    await self._handle(event, session, row.trace_id)
                except Exception as exc:
                    raise _HandlerFailedError(index, event, exc) from exc
                done.append((claim, row, _processed_note(event), event))
            if done and not await self.queue.finish_processed(
                session, [(claim, row, note) for claim, row, note, _ in done]
            ):
                raise _LostClaimError
        for _, row, _, event in done:
            with bind_trace_id(row.trace_id):
                self._processed(event)
        return left

    async def process(self, claim: Claim) -> None:
        """One attempt at one claimed event: read, handlers and completion in one transaction."""
        event: InboxEvent | None = None
        trace_id: str | None = None
        failure: Exception | None = None
        try:
            async with self._db.sessions.begin() as session:
                row = await self.queue.claimed_row(session, claim)
                if row is None:
                    raise _LostClaimError
                event, trace_id = to_event(row), row.trace_id
                await self._handle(event, session, trace_id)
                note = _processed_note(event)
                if not await self.queue.finish(
                    session, claim, row, status="processed", attempt=note
                ):
                    raise _LostClaimError
        except _LostClaimError:
            _log.warning("webhook.claim_lost", event_row=claim[0])
            return
        except Exception as exc:  # rolled back; recorded below in a transaction of its own
            failure = exc
        with bind_trace_id(trace_id):
            if event is None:  # the read itself failed: the lease lets it be claimed again
                _log.error("webhook.read_failed", event_row=claim[0], error=repr(failure))
            elif failure is not None:
                await self._failed(claim, event, failure)
            else:
                self._processed(event)

    async def _handle(self, event: InboxEvent, session: AsyncSession, trace_id: str | None) -> None:
        """Run the event's handlers and flush their writes, so a refused write is its error."""
        with bind_trace_id(trace_id):
            for handler in self.handlers.for_event(event.integration, event.event_type):
                await handler(event, session)
            await session.flush()

    @staticmethod
    def _processed(event: InboxEvent) -> None:
        _log.info(
            "webhook.processed",
            integration=event.integration,
            event_id=event.event_id,
            event_type=event.event_type,
            attempt=event.attempt,
        )

    async def _failed(self, claim: Claim, event: InboxEvent, exc: Exception) -> None:
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
