"""A minimal connector over a scripted in-memory vendor, for pipeline unit tests."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx2

from integrations.core.client import BaseIntegration, HealthResult
from integrations.core.clock import VirtualClock
from integrations.core.spec import CircuitSpec, ProviderSpec, RateLimitRule, RetrySpec
from integrations.telemetry.recorder import MemoryCallRecorder


class DemoIntegration(BaseIntegration):
    """The smallest concrete connector."""

    async def health_check(self) -> HealthResult:
        await self.request("GET", "/health", operation="health_check", cache_ttl=0)
        return HealthResult(True, 0.0)


@dataclass
class ScriptedVendor:
    """Answers with scripted statuses (then `default`), and remembers every request."""

    script: list[int | Exception] = field(default_factory=list)
    default: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Callable[[httpx2.Request], Any] = lambda request: {"path": request.url.path}
    seen: list[httpx2.Request] = field(default_factory=list)

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.seen.append(request)
        step = self.script.pop(0) if self.script else self.default
        if isinstance(step, Exception):
            raise step
        return httpx2.Response(step, json=self.body(request), headers=self.headers)


def make_client(
    vendor: Callable[[httpx2.Request], Any],
    *,
    clock: VirtualClock | None = None,
    max_attempts: int = 3,
    threshold: int = 5,
    limits: Iterable[RateLimitRule] = (),
    cache_ttl: float = 0.0,
    credentials: dict[str, str] | None = None,
    idempotency_header: str | None = None,
    **kw: Any,
) -> DemoIntegration:
    """A connector wired to `vendor` on a virtual clock (nothing really waits)."""
    from integrations.core.spec import AuthSpec

    spec = ProviderSpec(
        name="demo",
        base_url="https://api.example.org",
        auth=AuthSpec(scheme="header", name="Authorization", prefix="Bearer "),
        rate_limits=tuple(limits),
        retry=RetrySpec(max_attempts=max_attempts, idempotency_header=idempotency_header),
        circuit=CircuitSpec(failure_threshold=threshold, reset_timeout_seconds=60.0),
        cache_ttl_seconds=cache_ttl,
    )
    return DemoIntegration(
        spec,
        transport=httpx2.MockTransport(vendor),
        clock=clock or VirtualClock(),
        recorder=MemoryCallRecorder(),
        credentials=credentials,
        **kw,
    )


class LiveDemoIntegration(DemoIntegration):
    """A connector that can run live or mock, speaking the mock vendor's API."""

    SPEC = ProviderSpec(name="demo", base_url="http://127.0.0.1:9", cache_ttl_seconds=0.0)
