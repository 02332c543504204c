"""Dispatch: run registered handlers for stored events, retry with backoff, dead-letter.

A handler runs inside the same transaction that marks its event processed, so its database
effects happen exactly once even if the process dies mid-way (the event is claimed again
after its lease, and the half-done transaction never committed). Failures are retried with
exponential backoff and full jitter up to the attempt limit, then the event is `dead`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from integrations.core.backoff import full_jitter
from integrations.logging import bind_trace_id, get_logger, redact_text
from integrations.storage.db import Database
from integrations.storage.tables import utcnow
from integrations.storage.tables_inbound import WebhookEventRow
from integrations.webhooks.queue import Claim, EventQueue

__all__ = ["HandlerRegistry", "InboxEvent", "WebhookWorker"]

_log = get_logger()


@dataclass(frozen=True, slots=True)
class InboxEvent:
    """What a handler receives: the stored delivery, its body parsed."""

    id: int
    integration: str
    event_id: str
    event_type: str | None
    payload: Any
    headers: dict[str, Any]
    received_at: dt.datetime
    attempt: int


Handler = Callable[[InboxEvent, AsyncSession], Awaitable[None]]


class HandlerRegistry:
    """`register(integration, event_type, fn)`; event type "*" matches every type."""

    def __init__(self) -> None:
        self._handlers: dict[tuple[str, str], list[Handler]] = {}

    def register(self, integration: str, event_type: str, handler: Handler) -> None:
        self._handlers.setdefault((integration, event_type), []).append(handler)

    def for_event(self, integration: str, event_type: str | None) -> list[Handler]:
        exact = self._handlers.get((integration, event_type or ""), [])
        return exact + self._handlers.get((integration, "*"), [])


class WebhookWorker:
    """Claims due events and processes them, `concurrency` at a time.

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
        concurrency: int = 4,
        poll_seconds: float = 1.0,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._db = database
        self.handlers = handlers
        self.queue = queue
        self.max_attempts = max_attempts
        self._base, self._cap = base_seconds, cap_seconds
        self._concurrency = concurrency
        self._poll = poll_seconds
        self._rng = rng
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """New events were stored: look now instead of at the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        """Process every event due now; returns how many attempts ran."""
        total = 0
        gate = asyncio.Semaphore(self._concurrency)

        async def one(claim: Claim) -> None:
            async with gate:
                await self.process(claim)

        while claims := await self.queue.claim(self._concurrency * 8):
            await asyncio.gather(*(one(c) for c in claims))
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
                event, trace_id = _to_event(row), row.trace_id
                with bind_trace_id(trace_id):
                    for handler in self.handlers.for_event(event.integration, event.event_type):
                        await handler(event, session)
                at = utcnow().isoformat()
                note = {"attempt": event.attempt, "at": at, "outcome": "processed"}
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


class _LostClaimError(Exception):
    """Another worker owns the event now; roll this attempt back."""


def _to_event(row: WebhookEventRow) -> InboxEvent:
    try:
        payload: Any = json.loads(row.body)
    except ValueError:
        payload = None
    return InboxEvent(
        row.id,
        row.integration,
        row.event_id,
        row.event_type,
        payload,
        dict(row.headers or {}),
        row.received_at,
        row.attempts,
    )
