"""What MCP tools may do: writes only when allow-listed, and a call budget per client.

- **Writes are off until allowed.** `INTEGRATIONS_MCP__ALLOW_WRITES` lists
  `integration:action` patterns (`core.allow_list`); a write tool it does not match is
  refused with a tool error naming the setting and the pattern that would allow it. Write
  tools stay listed (marked destructive), so agents see what exists.
- **Every write can be dry-run** (`"dry_run": true`), allowed or not: the answer shows the
  request that would go out, and nothing is sent.
- **Each client has a budget** of `INTEGRATIONS_MCP__CALLS_PER_MINUTE` tool calls, enforced
  by the pipeline's own sliding-window limiter (`core.ratelimit.RateLimiter`), one window per
  client. A client over it gets a tool error carrying `retry_after` seconds and `retry_at`.

A client is the admin principal over HTTP (`admin`, `token:<name>`) and
`stdio:<client name>` over stdio (the name the client gave at initialisation).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import httpx2

from integrations.actions.declaration import OperationSpec
from integrations.config import McpSettings
from integrations.core.allow_list import allows
from integrations.core.clock import Clock, SystemClock
from integrations.core.ratelimit import RateLimiter
from integrations.core.spec import RateLimitRule
from integrations.core.state import MemoryStateStore

__all__ = ["BudgetExceeded", "ToolPolicy"]

# The limiter's windows are keyed by rule, not by request: one placeholder request serves.
_TOOL_CALL = httpx2.Request("POST", "http://mcp.invalid/tools/call")


@dataclass(frozen=True, slots=True)
class BudgetExceeded:
    """A client spent its calls for this minute; it may call again in `retry_after` s."""

    caller: str
    limit: int
    retry_after: float
    retry_at: dt.datetime


@dataclass(slots=True)
class ToolPolicy:
    """The allow-list and the per-client budgets of one MCP server.

    Args:
        allow_writes: `integration:action` patterns of the write tools that may run.
        calls_per_minute: each client's budget; 0 for none.
        clock: the limiter's clock (tests pass a virtual one).
    """

    allow_writes: tuple[str, ...] = ()
    calls_per_minute: int = 60
    clock: Clock = field(default_factory=SystemClock)
    _store: MemoryStateStore | None = None
    _limiters: dict[str, RateLimiter] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: McpSettings) -> ToolPolicy:
        """The policy `INTEGRATIONS_MCP__*` configures."""
        return cls(tuple(settings.allow_writes), settings.calls_per_minute)

    def may_write(self, spec: OperationSpec) -> bool:
        """True for a read, or a write the allow-list names."""
        return not spec.writes or allows(self.allow_writes, spec.integration, spec.action)

    async def spend(self, caller: str) -> BudgetExceeded | None:
        """Count one call of `caller`; what it exceeded, or None when admitted."""
        if self.calls_per_minute <= 0:
            return None
        limiter = self._limiters.get(caller)
        if limiter is None:
            if self._store is None:
                self._store = MemoryStateStore(self.clock)
            rule = RateLimitRule(self.calls_per_minute, 60.0, name="mcp-client")
            limiter = RateLimiter(
                f"mcp:{caller}", (rule,), self._store, self.clock, background_share=0.0
            )
            self._limiters[caller] = limiter
        wait = await limiter.try_acquire(_TOOL_CALL)
        if wait <= 0:
            return None
        retry_at = dt.datetime.fromtimestamp(self.clock.now() + wait, dt.UTC)
        return BudgetExceeded(caller, self.calls_per_minute, round(wait, 3), retry_at)
