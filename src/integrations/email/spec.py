"""The email connector as data: its retry rules and limits (SMTP, so no HTTP base URL).

SMTP does not go through the HTTP pipeline, but its settings have the same shape, so
runtime configuration (`integrations config show email`) sets them the same way: `retry`
drives the client's own SMTP retry loop and `rate_limits` its limiter (the pipeline's
`RateLimiter`, on the factory's shared state store).
"""

from __future__ import annotations

from integrations.core.spec import ProviderSpec, RateLimitRule, RetrySpec

__all__ = ["EMAIL_SPEC"]

EMAIL_SPEC = ProviderSpec(
    name="email",
    # Never dialled: SMTP host and port come from the provider preset and settings.
    base_url="https://smtp.invalid",
    # Office 365 allows 30 messages a minute per mailbox, the tightest documented limit.
    rate_limits=(RateLimitRule(limit=30, period_seconds=60),),
    # Three retries after the first attempt, for connection errors and 4xx replies only.
    retry=RetrySpec(max_attempts=4, base_seconds=1.0, cap_seconds=30.0),
    timeout_seconds=30.0,
)
