"""Change events out: the `change_delivery` job POSTs each change to its subscriptions.

One run fans new changes out to `change_deliveries`, then sends the deliveries due now,
round after round (a delivered change lets the next change of its entity go in the same
run), until none is due. Each POST is signed for Standard Webhooks (`webhook-id` =
`chg_<subscription>_<cursor>`, the same on every retry and replay so a receiver can drop
duplicates; `type` = `change.<entity>.<kind>`), redirects are not followed, and the
destination is checked against the allow-list before each run's first send to it.
Retry, order and dead-letter rules are `delivery_policy`'s.

Besides its schedule (`INTEGRATIONS_JOBS__CHANGE_DELIVERY_CRON`, every 5 s), the job is
deferred after each committed change by `nudge_on_change`, which each job worker installs.

The job holds the lock `change_delivery`, so however many workers run, one process sends
and no delivery goes out twice at once; a worker killed mid-send leaves the row pending
and the next run sends it again (at-least-once: receivers dedupe on `webhook-id`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx2

from integrations.changes.delivery_policy import DeliveryPolicy, decide, event_type
from integrations.changes.delivery_queue import Attempt, due_heads, fan_out, record_attempts
from integrations.changes.log import ChangeEvent, on_change
from integrations.core.clock import Clock, SystemClock
from integrations.jobs.context import JobContext
from integrations.jobs.registry import job
from integrations.logging import get_logger
from integrations.storage.tables_changes import ChangeRow, EventSubscriptionRow
from integrations.telemetry.alert_channels import UnsafeDestinationError, check_destination
from integrations.webhooks.schemes import sign_standard

if TYPE_CHECKING:
    from integrations.jobs.runner import JobRunner
    from integrations.services import Services

__all__ = [
    "ChangeDispatcher",
    "DispatchReport",
    "change_delivery",
    "event_body",
    "nudge_on_change",
]

_log = get_logger()
_MAX_ROUNDS = 1000
_PARALLEL = 16


@dataclass(slots=True)
class DispatchReport:
    """What one run did."""

    queued: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0


def event_body(change: ChangeRow) -> dict[str, Any]:
    """The JSON body of a change event (Standard Webhooks: type, timestamp, data)."""
    return {
        "type": event_type(change.entity, change.kind),
        "timestamp": change.occurred_at.isoformat(),
        "data": {
            "cursor": change.id,
            "integration": change.integration,
            "entity": change.entity,
            "external_id": change.external_id,
            "kind": change.kind,
            "changed_fields": list(change.changed_fields or ()),
            "source": change.source,
            "source_id": change.source_id,
            "record": change.data,
        },
    }


class ChangeDispatcher:
    """Fans out and sends change events for one process.

    Args:
        services: settings (`settings.change_events`), database and secret box.
        clock / rng: injected time and jitter (tests run on a `VirtualClock`).
        transport: an httpx2 transport (tests); the default opens real connections.
    """

    def __init__(
        self,
        services: Services,
        *,
        clock: Clock | None = None,
        rng: Callable[[], float] = random.random,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self._services = services
        self._settings = services.settings.change_events
        self._clock = clock or SystemClock()
        self._rng = rng
        self._transport = transport
        self.policy = DeliveryPolicy(
            self._settings.max_attempts,
            self._settings.backoff_base_seconds,
            self._settings.backoff_cap_seconds,
        )

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._clock.now(), dt.UTC)

    async def run_once(self) -> DispatchReport:
        """Fan out, then send rounds of due deliveries until none is due."""
        report = DispatchReport()
        limit = self._settings.batch_size
        async with self._services.db.sessions.begin() as session:
            report.queued = await fan_out(session, now=self._now(), limit=limit)
        refused: dict[int, str | None] = {}
        async with httpx2.AsyncClient(
            timeout=self._settings.timeout_seconds,
            transport=self._transport,
            follow_redirects=False,
        ) as client:
            gate = asyncio.Semaphore(_PARALLEL)

            async def send(head: Any) -> tuple[int, int, int | None, str | None]:
                async with gate:
                    return await self._send(client, refused, *head)

            for _ in range(_MAX_ROUNDS):
                async with self._services.db.sessions() as session:
                    heads = await due_heads(session, now=self._now(), limit=limit)
                if not heads:
                    break
                results = await asyncio.gather(*(send(h) for h in heads))
                await self._store(results, report)
        return report

    async def _store(
        self, results: list[tuple[int, int, int | None, str | None]], report: DispatchReport
    ) -> None:
        attempts = []
        for delivery_id, attempt, status, error in results:
            decision = decide(attempt, status, error, self.policy, self._rng)
            attempts.append(Attempt(delivery_id, attempt, status, decision))
            if decision.outcome == "delivered":
                report.delivered += 1
            elif decision.outcome == "dead":
                report.dead += 1
                _log.warning(
                    "changes.delivery_dead", delivery_id=delivery_id, reason=decision.reason
                )
            else:
                report.retrying += 1
        async with self._services.db.sessions.begin() as session:
            await record_attempts(session, attempts, now=self._now())

    async def _send(
        self,
        client: httpx2.AsyncClient,
        refused: dict[int, str | None],
        delivery: Any,
        change: ChangeRow,
        subscription: EventSubscriptionRow,
    ) -> tuple[int, int, int | None, str | None]:
        """`(delivery id, attempt number, HTTP status or None, error or None)`."""
        attempt = delivery.attempts + 1
        if subscription.id not in refused:
            try:
                await check_destination(subscription.url, self._settings.allowed_private_hosts)
                refused[subscription.id] = None
            except UnsafeDestinationError as exc:
                refused[subscription.id] = f"destination refused: {exc}"
        if refused[subscription.id] is not None:
            return delivery.id, attempt, None, refused[subscription.id]
        event_id = f"chg_{subscription.id}_{change.id}"
        timestamp = int(self._clock.now())
        body = json.dumps(event_body(change), default=str).encode()
        secret = self._services.box.decrypt(subscription.secret_encrypted)
        headers = {
            "content-type": "application/json",
            "webhook-id": event_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign_standard(secret, event_id, timestamp, body),
        }
        try:
            response = await client.post(subscription.url, content=body, headers=headers)
        except httpx2.TransportError as exc:
            return delivery.id, attempt, None, f"{type(exc).__name__}: {exc}"[:500]
        return delivery.id, attempt, response.status_code, None


@job(
    "change_delivery",
    periodic=lambda s: s.change_delivery_cron,
    max_attempts=1,
    lock="change_delivery",
    queueing_lock="change_delivery",
)
async def change_delivery(ctx: JobContext) -> None:
    """Send the change events due now (a failed run is not retried: the next one is seconds
    away, and every delivery's own retries are in its row)."""
    report = await ChangeDispatcher(ctx.services).run_once()
    if report.queued or report.delivered or report.retrying or report.dead:
        _log.info(
            "changes.delivery_finished",
            queued=report.queued,
            delivered=report.delivered,
            retrying=report.retrying,
            dead=report.dead,
        )


def nudge_on_change(runner: JobRunner) -> Callable[[], None]:
    """Defer `change_delivery` into `runner` after each committed change, so events leave
    within a job pickup rather than a schedule tick; returns the unsubscribe function.

    One defer in flight covers every change committed before it completes (the job reads
    the whole log), and the job's queueing lock keeps at most one run queued.
    """
    in_flight: set[asyncio.Task[str | None]] = set()

    def listener(change: ChangeEvent) -> None:
        if in_flight:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a change written outside the worker's loop: the schedule sends it
            return
        task = loop.create_task(runner.defer("change_delivery"))
        in_flight.add(task)
        task.add_done_callback(_forget(in_flight))

    return on_change(listener)


def _forget(in_flight: set[asyncio.Task[str | None]]) -> Callable[[asyncio.Task[str | None]], None]:
    def done(task: asyncio.Task[str | None]) -> None:
        in_flight.discard(task)
        if not task.cancelled() and task.exception() is not None:
            _log.warning("changes.nudge_failed", error=repr(task.exception()))

    return done
