"""Per-call context that travels with the request through every layer.

Layers are plain `httpx2.AsyncBaseTransport` wrappers, so what they need to know about the
logical call (operation, priority, cache TTL) and what they report back (attempts, cache hit,
limiter waits) rides in `request.extensions`.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal

import httpx2

__all__ = ["DRY_RUN", "EXTENSION", "CallContext", "call_context"]

EXTENSION = "integrations.call"
# Set by `core.dry_run.dry_run()`; every call started inside it carries `dry_run=True`.
DRY_RUN: ContextVar[bool] = ContextVar("integrations.dry_run", default=False)
Priority = Literal["interactive", "background"]


@dataclass(slots=True)
class CallContext:
    """What one logical call asks for, and what happened to it.

    Args:
        integration: connector name.
        operation: the operation name, e.g. "send_document".
        priority: background work may not use the budget's reserved share.
        cache_ttl: seconds to cache a successful read; None = the spec's default, 0 = never.
        deadline: the clock time by which the whole call (attempts, backoff, limiter and
            `Retry-After` waits) must be over; None = no deadline.
        attempt_timeout: seconds one attempt may take, connect to last byte.
    """

    integration: str
    operation: str
    priority: Priority = "interactive"
    cache_ttl: float | None = None
    is_mock: bool = False
    deadline: float | None = None
    attempt_timeout: float | None = None
    # A write is captured by `core.dry_run.DryRunLayer` and never sent (reads still go).
    dry_run: bool = field(default_factory=DRY_RUN.get)
    attempts: int = 0
    cache_hit: bool = False
    cache_lookup: bool = False
    limiter_wait_seconds: float = 0.0
    limiter_waits: int = 0
    # Why each retry happened (and why the last attempt was not retried, when it failed):
    # shown in the call record's request summary. Empty for a call answered at once.
    attempt_log: list[str] = field(default_factory=list)
    # The breaker's decision for each attempt that reached it: `admitted`, `trial` (the one
    # call let through to probe a half-open breaker) or `refused` (open). Shown with the call.
    breaker_decisions: list[str] = field(default_factory=list)

    @property
    def retry_count(self) -> int:
        """Attempts after the first."""
        return max(0, self.attempts - 1)


def call_context(request: httpx2.Request) -> CallContext:
    """The context of `request`; a bare one when a layer is used on its own."""
    ctx = request.extensions.get(EXTENSION)
    if not isinstance(ctx, CallContext):
        ctx = CallContext(integration="unknown", operation=f"{request.method} {request.url.path}")
        request.extensions[EXTENSION] = ctx
    return ctx
