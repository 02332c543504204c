"""Retry: a pure decision function and the layer that sleeps and logs its reasons.

Retried: 429, 500, 502, 503, 504, timeouts and connection errors; never another 4xx.
After a 5xx or a timeout, POST and PATCH are retried only when they carry the vendor's
idempotency key, because such a write may have happened; a 429 was refused before anything
happened, so it is retried for every method.

Every call has a deadline. A wait that would end past it (our backoff, or a server's
`Retry-After`) is not started: the call fails at once with the last answer's error, which
carries the time the vendor asked for, instead of sleeping into a timeout. Each attempt's own
timeout is also cut to what is left of the deadline. Without a deadline (the policy used on
its own), a server asking for longer than `cap_seconds` fails fast the same way.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

import httpx2

from integrations.core.backoff import full_jitter, server_wait
from integrations.core.clock import Clock
from integrations.core.context import CallContext, call_context
from integrations.core.spec import RetrySpec
from integrations.core.transport import ATTEMPT_TIMEOUT
from integrations.logging import get_logger, log_enabled

__all__ = ["Decision", "RetryLayer", "RetryPolicy"]

_WRITES = frozenset({"POST", "PATCH"})
_log = get_logger()


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether to try again, after how many seconds, and why."""

    retry: bool
    wait: float
    reason: str


class RetryPolicy:
    """Decides, per finished attempt, whether and when to try again.

    Args:
        spec: retry rules.
        rng: uniform [0, 1) source for the jitter (seeded in tests).
    """

    def __init__(self, spec: RetrySpec, rng: Callable[[], float] = random.random) -> None:
        self.spec = spec
        self._rng = rng

    def decide(
        self,
        attempt: int,
        outcome: httpx2.Response | BaseException,
        request: httpx2.Request,
        now: float,
        deadline: float | None = None,
    ) -> Decision:
        """The decision after attempt number `attempt` (1-based) ended with `outcome`.

        Args:
            deadline: the clock time the call must be over by; a wait past it is refused.
        """
        spec = self.spec
        if isinstance(outcome, httpx2.Response):
            if outcome.status_code not in spec.statuses:
                return Decision(False, 0.0, f"status {outcome.status_code} is final")
            what = f"status {outcome.status_code}"
        elif isinstance(outcome, httpx2.LocalProtocolError):
            # Our own request was refused before it was sent: sending it again cannot help.
            return Decision(False, 0.0, f"{type(outcome).__name__} is our request's fault")
        elif isinstance(outcome, httpx2.TransportError):
            what = type(outcome).__name__
        else:
            return Decision(False, 0.0, f"{type(outcome).__name__} is not retried")
        # A 429 means the vendor refused before doing anything, so even a write without an
        # idempotency key is safe to send again; a 5xx or a timeout may have been processed.
        refused = isinstance(outcome, httpx2.Response) and outcome.status_code == 429
        if request.method.upper() in _WRITES and not refused and not self._has_key(request):
            return Decision(False, 0.0, f"{what}: a {request.method} without idempotency key")
        if attempt >= spec.max_attempts:
            return Decision(False, 0.0, f"{what}: {attempt} attempt(s) exhausted")
        hinted = server_wait(outcome.headers, now) if isinstance(outcome, httpx2.Response) else None
        if hinted is not None:
            if deadline is not None and now + hinted > deadline:
                return Decision(False, hinted, f"{what}: server asks {hinted:.1f}s > deadline")
            if deadline is None and hinted > spec.cap_seconds:
                return Decision(False, hinted, f"{what}: server asks {hinted:.1f}s > cap")
            return Decision(True, hinted, f"{what}: server asks {hinted:.2f}s")
        wait = full_jitter(
            attempt - 1,
            base=spec.base_seconds,
            factor=spec.factor,
            cap=spec.cap_seconds,
            rng=self._rng,
        )
        if deadline is not None and now + wait > deadline:
            return Decision(False, wait, f"{what}: backoff {wait:.2f}s > deadline")
        return Decision(True, wait, f"{what}: backoff {wait:.2f}s")

    def _has_key(self, request: httpx2.Request) -> bool:
        header = self.spec.idempotency_header
        return header is not None and header in request.headers


class RetryLayer(httpx2.AsyncBaseTransport):
    """Runs attempts until the policy says stop; every attempt is logged."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, policy: RetryPolicy, clock: Clock) -> None:
        self._inner = inner
        self._policy = policy
        self._clock = clock
        self._retried = policy.spec.statuses

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        ctx = call_context(request)
        attempt = 0
        while True:
            attempt += 1
            ctx.attempts = attempt
            self._bound_attempt(request, ctx)
            outcome: httpx2.Response | BaseException
            try:
                outcome = await self._inner.handle_async_request(request)
            except httpx2.TransportError as exc:
                outcome = exc
            final = False
            if isinstance(outcome, httpx2.Response) and outcome.status_code not in self._retried:
                if not log_enabled(logging.DEBUG, ctx.integration):
                    # The common case, a final answer: nothing to decide, wait for or log.
                    return outcome
                final = True
            now = self._clock.now()
            decision = self._policy.decide(attempt, outcome, request, now, ctx.deadline)
            if not final:  # the record lists retries and why retrying stopped, whatever the level
                ctx.attempt_log.append(decision.reason)
            # Retries are rare and worth seeing; a final attempt is summed up by the call record.
            level = logging.WARNING if decision.retry else logging.DEBUG
            if log_enabled(level, ctx.integration):
                (_log.warning if decision.retry else _log.debug)(
                    "call.attempt_finished",
                    integration=ctx.integration,
                    operation=ctx.operation,
                    attempt=attempt,
                    retry=decision.retry,
                    wait_s=round(decision.wait, 3),
                    reason=decision.reason,
                )
            if not decision.retry:
                if isinstance(outcome, BaseException):
                    raise outcome
                return outcome
            if isinstance(outcome, httpx2.Response):
                await outcome.aclose()
            await self._clock.sleep(decision.wait)

    def _bound_attempt(self, request: httpx2.Request, ctx: CallContext) -> None:
        """Cut this attempt's timeout to what is left of the call's deadline."""
        if ctx.deadline is None or ctx.attempt_timeout is None:
            return
        left = ctx.deadline - self._clock.now()
        request.extensions[ATTEMPT_TIMEOUT] = max(0.001, min(ctx.attempt_timeout, left))

    async def aclose(self) -> None:
        await self._inner.aclose()
