"""`TypeformIntegration`: the Typeform client, held to 2 requests/second.

Typeform allows 2 requests per second per account; the pipeline's limiter enforces that and
`get_rate_limit_status()` reports how the last 100 requests actually spread out. Configuring
a faster rate is allowed (accounts may have higher limits) but logged as a warning at start.

The token comes from the runtime configuration (credential `token`), else `TYPEFORM_TOKEN`
in the environment or `./.env`; `TYPEFORM_BASE_URL` there overrides the default host.
"""

from __future__ import annotations

import dataclasses
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2

from integrations.core.client import BaseIntegration, HealthResult
from integrations.core.spec import ProviderSpec
from integrations.environment import load_prefixed
from integrations.errors import ConfigError
from integrations.logging import get_logger
from integrations.typeform.exceptions import TypeformErrorMap
from integrations.typeform.spec import TYPEFORM_SPEC, VENDOR_RATE_PER_SECOND

__all__ = ["RateLimitStatus", "TypeformIntegration"]

_log = get_logger()
_WINDOW = 100


@dataclass(frozen=True, slots=True)
class RateLimitStatus:
    """How the last requests used the per-second budget."""

    configured_per_second: float
    actual_per_second: float
    compliance_percent: float
    seconds_until_next: float
    sampled_requests: int


class _SendTimes(httpx2.AsyncBaseTransport):
    """Remembers when the last requests actually left (every attempt counts), on the
    client's clock: the limiter's clock, so status and limiter agree under a virtual clock."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, now: Callable[[], float]) -> None:
        self._inner = inner
        self._now = now
        self.times: deque[float] = deque(maxlen=_WINDOW)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.times.append(self._now())
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


class TypeformIntegration(BaseIntegration):
    """The Typeform connector (credential `token`: a personal access or OAuth token)."""

    SPEC = TYPEFORM_SPEC

    def __init__(
        self,
        spec: ProviderSpec | None = None,
        *,
        credentials: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
        dotenv: Path | None = Path(".env"),
        **kw: Any,
    ) -> None:
        environment = load_prefixed("TYPEFORM_", environ, dotenv)
        spec = spec or TYPEFORM_SPEC
        if spec.base_url == TYPEFORM_SPEC.base_url and environment.get("TYPEFORM_BASE_URL"):
            spec = dataclasses.replace(spec, base_url=environment["TYPEFORM_BASE_URL"].rstrip("/"))
        creds = {k: str(v) for k, v in (credentials or {}).items() if v not in (None, "")}
        if not creds.get("token"):
            if environment.get("TYPEFORM_TOKEN"):
                creds["token"] = environment["TYPEFORM_TOKEN"]
            elif kw.get("is_mock"):
                creds["token"] = "simulator"  # noqa: S105 (the simulator takes any token)
            else:
                raise ConfigError(
                    "typeform has no credentials: set token (TYPEFORM_TOKEN) in the "
                    "integration's runtime configuration, the environment or .env",
                    integration="typeform",
                )
        super().__init__(spec, credentials=creds, **kw)
        self.errors = TypeformErrorMap(spec)
        rate = self.configured_per_second
        if rate > VENDOR_RATE_PER_SECOND:
            _log.warning(
                "typeform.rate_limit_above_vendor",
                configured_per_second=rate,
                vendor_per_second=VENDOR_RATE_PER_SECOND,
                detail="expect 429 answers unless the account has a higher limit",
            )

    def wrap_transport(self, bottom: httpx2.AsyncBaseTransport) -> httpx2.AsyncBaseTransport:
        # On the client's clock: the limiter's, so status and limiter agree under a virtual one.
        self._sent = _SendTimes(bottom, self.clock.now)
        return self._sent

    @property
    def configured_per_second(self) -> float:
        """The tightest configured budget, in requests per second."""
        rates = [r.limit / r.period_seconds for r in self.spec.rate_limits if not r.path]
        return min(rates) if rates else float("inf")

    async def health_check(self) -> HealthResult:
        """One authenticated, cheap read: the first form of the account."""
        started = time.perf_counter()
        await self.request("GET", "/forms", operation="health_check", params={"page_size": 1})
        return HealthResult(True, (time.perf_counter() - started) * 1000, "typeform answered")

    def get_rate_limit_status(self) -> RateLimitStatus:
        """Configured rate, actual rate over the last 100 requests, the share of those sent
        within the per-second budget, and the wait until the next request may go."""
        times = list(self._sent.times)
        rate = self.configured_per_second
        budget = max(1, int(rate)) if rate != float("inf") else len(times) or 1
        within = sum(
            1
            for i, t in enumerate(times)
            if sum(1 for u in times[: i + 1] if t - u < 1.0) <= budget
        )
        span = times[-1] - times[0] if len(times) > 1 else 0.0
        actual = (len(times) - 1) / span if span > 0 else 0.0
        wait = 0.0
        if len(times) >= budget:
            wait = max(0.0, times[-budget] + 1.0 - self.clock.now())
        compliance = 100.0 * within / len(times) if times else 100.0
        return RateLimitStatus(
            rate, round(actual, 3), round(compliance, 1), round(wait, 3), len(times)
        )
