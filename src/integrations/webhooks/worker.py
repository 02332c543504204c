"""The webhook worker: runs the handlers of claimed events, retries with backoff, dead-letters.

Handlers run in the transaction that marks their event processed, so their database effects
happen exactly once (a crash rolls both back; the event is claimed again after its lease).
Events go in batches, one transaction each: one read, each event's handlers with their writes
flushed, one compare-and-set update for all, one commit; a transaction per event spent most of
its CPU on the transaction itself. A failing handler rolls the batch back and its event alone
records the failure; the events before it run again as a batch of their own (their first run
rolled back, as after a crash), then those after it. A lease lost during a batch sends each
event to a transaction of its own. A batch commits early once its handlers took a quarter of
the lease (docs/webhooks.md).

A database outage is not a batch's fault: a claim waits no longer than the statement timeout,
an outage ends the pass with one line from the database's availability (not a traceback per
poll), and a batch cut off by it leaves its events to their leases instead of retrying them
one by one against a database that is not there.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable
from typing import Any

from integrations.logging import bind_trace_id, get_logger
from integrations.storage.availability import is_outage
from integrations.storage.db import Database
from integrations.storage.tables_inbound import WebhookEventRow
from integrations.webhooks.attempts import EventAttempts, LostClaimError, processed_note
from integrations.webhooks.dispatch import HandlerRegistry, InboxEvent, to_event
from integrations.webhooks.queue import Claim, EventQueue

__all__ = ["WebhookWorker"]

_log = get_logger()


class _HandlerFailedError(Exception):
    """A handler of the batch's event at `index` raised `error`; the batch rolls back."""

    def __init__(self, index: int, event: InboxEvent, error: Exception) -> None:
        super().__init__(repr(error))
        self.index, self.event, self.error = index, event, error


class WebhookWorker(EventAttempts):
    """Claims due events and processes them in `concurrency` parallel batches.

    Args:
        database, handlers, queue, max_attempts, base_seconds, cap_seconds, rng: as for
            `EventAttempts`.
        concurrency: batches in flight (handlers that wait on the network overlap).
        batch_size: events per transaction.
        poll_seconds: the pause between passes when the inbox does not wake the worker.
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
        super().__init__(
            database,
            handlers,
            queue,
            max_attempts=max_attempts,
            base_seconds=base_seconds,
            cap_seconds=cap_seconds,
            rng=rng,
        )
        self._concurrency = concurrency
        self._batch_size = batch_size
        self._poll = poll_seconds
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """New events were stored: look now instead of at the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        """Process every event due now; returns how many attempts ran."""
        total = 0
        while claims := await self._claim():
            size = -(-len(claims) // self._concurrency)  # spread evenly over the batches
            batches = [claims[i : i + size] for i in range(0, len(claims), size)]
            await asyncio.gather(*(self._run_batch(batch) for batch in batches))
            total += len(claims)
        return total

    async def _claim(self) -> list[Claim]:
        async with self._db.statement_deadline():
            claims = await self.queue.claim(self._concurrency * self._batch_size)
        self._db.availability.succeeded()  # a poll is how an outage's end is noticed
        return claims

    async def run(self) -> None:
        """Process forever (cancel to stop)."""
        while True:
            try:
                await self.run_once()
            except Exception as exc:
                if is_outage(exc):
                    self._db.unavailable(exc)
                else:
                    _log.exception("webhook.worker_failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll)

    async def _run_batch(self, claims: list[Claim]) -> None:
        # After a handler failure the events before it go again as a batch of their own, then
        # those after it: each event runs at most twice however many of its batch fail.
        stack = [list(claims)]
        while stack:
            pending = stack.pop()
            try:
                left = await self._batch(pending)
            except _HandlerFailedError as failed:
                at = failed.index
                await self.failed(pending[at], failed.event, failed.error)
                stack += [part for part in (pending[at + 1 :], pending[:at]) if part]
                continue
            except Exception as exc:  # a lease ran out or the database failed: one by one
                if is_outage(exc):
                    self._db.unavailable(exc)
                    return  # each event is claimed again once its lease runs out
                if not isinstance(exc, LostClaimError):
                    _log.warning("webhook.batch_failed", events=len(pending), error=repr(exc))
                for claim in pending:
                    await self.process(claim)
                continue
            if left:
                stack.append(left)

    async def _batch(self, claims: list[Claim]) -> list[Claim]:
        """`claims` in one transaction, lost ones removed from the list first; returns those
        left for the next transaction when handlers took a quarter of the lease (slow
        handlers must not hold a batch until its leases run out).

        Raises:
            _HandlerFailedError: a handler failed (everything rolled back).
            LostClaimError: a lease ran out before the commit (everything rolled back).
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
                    await self.handle(event, session, row.trace_id)
                except Exception as exc:
                    raise _HandlerFailedError(index, event, exc) from exc
                done.append((claim, row, processed_note(event), event))
            if done and not await self.queue.finish_processed(
                session, [(claim, row, note) for claim, row, note, _ in done]
            ):
                raise LostClaimError
        for _, row, _, event in done:
            with bind_trace_id(row.trace_id):
                self.log_processed(event)
        return left
