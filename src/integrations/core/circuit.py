"""The circuit breaker: stop calling a vendor that keeps failing, probe it with one call.

closed → open after N consecutive counted failures → half-open once the reset timeout has
passed → exactly one trial call (others fail fast while it runs) → closed on success, open
again on failure. Counted failures are 5xx answers, timeouts and connection errors; a 4xx is
the caller's problem, not the vendor's health. Written by hand: no library offers an async
breaker whose single trial holds across processes sharing Redis.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx2

from integrations.core.clock import Clock
from integrations.core.context import call_context
from integrations.core.spec import CircuitSpec
from integrations.core.state import BreakerSnapshot, StateStore
from integrations.errors import CircuitOpenError, InvalidResponseError
from integrations.logging import get_logger

__all__ = ["CircuitBreaker", "CircuitEvent", "CircuitLayer"]

_log = get_logger()


@dataclass(frozen=True, slots=True)
class CircuitEvent:
    """A state change of one integration's breaker."""

    integration: str
    old_state: str
    new_state: str
    failures: int
    at: float


CircuitListener = Callable[[CircuitEvent], Awaitable[None]]


class CircuitBreaker:
    """One integration's breaker, its state kept in a `StateStore`.

    Args:
        integration: connector name (the state key).
        spec: thresholds.
        store: where the state lives (memory, or Redis to share it).
        clock: time source.
        listeners: called on every state change (health rows, alerts).
    """

    def __init__(
        self,
        integration: str,
        spec: CircuitSpec,
        store: StateStore,
        clock: Clock,
        listeners: list[CircuitListener] | None = None,
    ) -> None:
        self.integration = integration
        self.spec = spec
        self._store = store
        self._clock = clock
        self._key = f"breaker:{integration}"
        self.listeners: list[CircuitListener] = list(listeners or [])

    async def snapshot(self) -> BreakerSnapshot:
        """The current state."""
        return await self._store.breaker_get(self._key)

    async def is_open(self) -> bool:
        return (await self.snapshot()).state == "open"

    async def is_half_open(self) -> bool:
        return (await self.snapshot()).state == "half_open"

    def next_attempt_at(self, snap: BreakerSnapshot) -> dt.datetime:
        """When an open breaker lets its trial through (or the running trial's lease ends)."""
        at = (
            snap.trial_until
            if snap.state == "half_open"
            else (snap.opened_at + self.spec.reset_timeout_seconds)
        )
        return dt.datetime.fromtimestamp(at, dt.UTC)

    async def attempt_reset(self) -> bool:
        """Let one call through if the breaker may be probed; True for that call (the trial)."""
        return await self.enter() is not None

    async def enter(self) -> float | None:
        """Admit a call: None for an ordinary one, the end of its lease for the trial.

        Raises:
            CircuitOpenError: the breaker is open, or another call holds the trial.
        """
        allowed, trial, snap = await self._store.breaker_enter(
            self._key, self.spec.reset_timeout_seconds, self.spec.trial_timeout_seconds
        )
        if trial:
            await self._emit("open", "half_open", snap.failures)
        if not allowed:
            raise CircuitOpenError(
                f"{self.integration}: circuit open; calls are refused until the next trial",
                integration=self.integration,
                next_attempt_at=self.next_attempt_at(snap),
            )
        return snap.trial_until if trial else None

    async def release_trial(self, trial_until: float) -> None:
        """The trial ended without asking the vendor (refused by our own rate limiter,
        cancelled): let the next call probe at once instead of after the lease."""
        if await self._store.breaker_release(self._key, trial_until):
            _log.info("circuit.trial_released", integration=self.integration)

    async def record_success(self) -> None:
        """A call succeeded (or failed in a way that does not count)."""
        before, after = await self._store.breaker_record(
            self._key, True, self.spec.failure_threshold
        )
        if before.state != after.state:
            await self._emit(before.state, after.state, after.failures)

    async def record_failure(self) -> None:
        """A counted failure: 5xx, timeout or connection error."""
        before, after = await self._store.breaker_record(
            self._key, False, self.spec.failure_threshold
        )
        if before.state != after.state:
            await self._emit(before.state, after.state, after.failures)

    async def _emit(self, old: str, new: str, failures: int) -> None:
        event = CircuitEvent(self.integration, old, new, failures, self._clock.now())
        log = _log.warning if new == "open" else _log.info
        log(
            "circuit.state_changed",
            integration=self.integration,
            old=old,
            new=new,
            failures=failures,
        )
        for listener in self.listeners:
            try:
                await listener(event)
            except Exception:  # a listener's failure must never break the call path
                _log.exception("circuit.listener_failed", integration=self.integration)


class CircuitLayer(httpx2.AsyncBaseTransport):
    """Refuses calls while open; counts 5xx, unreadable 2xx bodies, timeouts and connection
    errors as failures."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, breaker: CircuitBreaker) -> None:
        self._inner = inner
        self.breaker = breaker

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        decisions = call_context(request).breaker_decisions
        try:
            trial_until = await self.breaker.enter()
        except CircuitOpenError:
            decisions.append("refused")
            raise
        decisions.append("admitted" if trial_until is None else "trial")
        try:
            response = await self._inner.handle_async_request(request)
        except httpx2.LocalProtocolError:
            # Refused by our own HTTP library before sending: says nothing about the vendor.
            if trial_until is not None:
                await asyncio.shield(self.breaker.release_trial(trial_until))
            raise
        except (httpx2.TransportError, InvalidResponseError):
            await self.breaker.record_failure()
            raise
        except BaseException:
            if trial_until is not None:  # the vendor never answered: the probe did not happen
                await asyncio.shield(self.breaker.release_trial(trial_until))
            raise
        if response.status_code >= 500:
            await self.breaker.record_failure()
        else:
            await self.breaker.record_success()
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
