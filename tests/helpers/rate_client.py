"""A client process for the shared-budget test: calls as fast as its limiter allows.

Usage: rate_client.py URL REDIS_URL PREFIX SECONDS WORKERS LIMIT OUT_JSON

Runs WORKERS concurrent loops of GET calls through a `BaseIntegration` whose limiter keeps
its windows in Redis under PREFIX (LIMIT calls per second), until SECONDS have passed, then
writes {"ok": n, "errors": {...}} to OUT_JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path

from integrations.core.client import BaseIntegration, HealthResult
from integrations.core.redis_state import RedisStateStore
from integrations.core.spec import CircuitSpec, ProviderSpec, RateLimitRule, RetrySpec
from integrations.logging import configure_logging

INTEGRATION = "shared_budget"


class _Client(BaseIntegration):
    async def health_check(self) -> HealthResult:
        return HealthResult(healthy=True, latency_ms=0.0)


async def _main(argv: list[str]) -> dict[str, object]:
    url, redis_url, prefix, seconds, workers, limit, _out = argv
    spec = ProviderSpec(
        name=INTEGRATION,
        base_url=url,
        rate_limits=(RateLimitRule(limit=int(limit), period_seconds=1.0),),
        retry=RetrySpec(max_attempts=1),
        circuit=CircuitSpec(failure_threshold=1000),
        cache_ttl_seconds=0,
        timeout_seconds=5.0,
    )
    store = RedisStateStore.from_url(redis_url, prefix=prefix)
    client = _Client(spec, store=store)
    deadline = time.monotonic() + float(seconds)
    ok = 0
    errors: Counter[str] = Counter()

    async def worker() -> None:
        nonlocal ok
        while time.monotonic() < deadline:
            try:
                await client.request("GET", "/ping", operation="ping")
            except Exception as exc:
                errors[type(exc).__name__] += 1
            else:
                ok += 1

    try:
        await asyncio.gather(*(worker() for _ in range(int(workers))))
    finally:
        await client.aclose()
        await store.close()
    return {"ok": ok, "errors": dict(errors)}


if __name__ == "__main__":
    configure_logging(level="WARNING")
    result = asyncio.run(_main(sys.argv[1:]))
    Path(sys.argv[-1]).write_text(json.dumps(result))
