"""PracticePanther as data: host, REST root, Bearer auth, the (unverified) rate limit.

PracticePanther publishes no rate limit (BRIEF §3: "300 requests / 5 minutes" could not be
verified), so 300 per 300 s is a default an operator overrides in the runtime configuration
(`rate_limits`), never a constant the code relies on. A sync is nearly all of this
connector's traffic and must be able to use the whole budget (the issue asks for ≥ 95% of the
allowed rate), so background calls get the full window (`background_share=0`).

The access token is put on each request by the client (it may be refreshed between two
attempts), so the spec's own auth scheme is `none`.
"""

from __future__ import annotations

from integrations.core.spec import AuthSpec, CircuitSpec, ProviderSpec, RateLimitRule, RetrySpec

__all__ = [
    "API_ROOT",
    "AUTHORIZE_PATH",
    "BASE_URL",
    "DEFAULT_RATE_LIMIT",
    "DEFAULT_RATE_PERIOD_SECONDS",
    "PRACTICEPANTHER_SPEC",
    "TOKEN_PATH",
]

BASE_URL = "https://app.practicepanther.com"
API_ROOT = "/api/v2"
AUTHORIZE_PATH = "/OAuth/Authorize"
TOKEN_PATH = "/OAuth/Token"  # noqa: S105 (a path, not a secret)
DEFAULT_RATE_LIMIT = 300
DEFAULT_RATE_PERIOD_SECONDS = 300.0

PRACTICEPANTHER_SPEC = ProviderSpec(
    name="practicepanther",
    base_url=BASE_URL,
    auth=AuthSpec(scheme="none"),
    rate_limits=(RateLimitRule(DEFAULT_RATE_LIMIT, DEFAULT_RATE_PERIOD_SECONDS),),
    # 1, 2, 4, 8, 16 s ceilings with full jitter; a 429's Retry-After is honoured.
    retry=RetrySpec(max_attempts=6, base_seconds=1.0, factor=2.0, cap_seconds=32.0),
    circuit=CircuitSpec(failure_threshold=5, reset_timeout_seconds=60.0),
    pagination="offset",
    # A queued sync call may wait most of a 5-minute window before its turn.
    deadline_seconds=600.0,
    background_share=0.0,
    allowed_hosts=("app.practicepanther.com", "*.practicepanther.com"),
)
