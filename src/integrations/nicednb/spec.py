"""NICE D&B as data: OAuth2 bearer tokens, a day's cache, assumed host.

The host is deployment configuration (`NICEDNB_BASE_URL` or the runtime `base_url`); the
default is the gateway host third-party code uses. The test-bed is said to allow about 100
calls a day: the daily window below keeps a deployment inside it until the agreed limit is
configured. Records change rarely, so a day's cache (`cache_ttl_seconds`) is the default.
"""

from __future__ import annotations

from integrations.core.spec import AuthSpec, ProviderSpec, RateLimitRule, RetrySpec

__all__ = ["NICEDNB_SPEC"]

NICEDNB_SPEC = ProviderSpec(
    name="nicednb",
    base_url="https://gate.nicednb.com",
    auth=AuthSpec(
        scheme="header", name="Authorization", prefix="Bearer ", credential="access_token"
    ),
    rate_limits=(RateLimitRule(1000, 86_400.0, name="daily"),),
    retry=RetrySpec(),
    cache_ttl_seconds=86_400.0,
    timeout_seconds=15.0,
    deadline_seconds=45.0,
    allowed_hosts=("*.nicednb.com",),
)
