"""Typeform as data: Bearer auth, 2 requests/second, `{code, description}` errors."""

from __future__ import annotations

from integrations.core.spec import AuthSpec, ProviderSpec, RateLimitRule, RetrySpec

__all__ = ["TYPEFORM_SPEC", "VENDOR_RATE_PER_SECOND"]

VENDOR_RATE_PER_SECOND = 2  # per account, Create and Responses APIs (BRIEF §2, H)

TYPEFORM_SPEC = ProviderSpec(
    name="typeform",
    base_url="https://api.typeform.com",
    auth=AuthSpec(scheme="header", name="Authorization", prefix="Bearer ", credential="token"),
    rate_limits=(RateLimitRule(VENDOR_RATE_PER_SECOND, 1.0, name="account"),),
    retry=RetrySpec(),
    pagination="cursor",
    webhook="typeform",
    cache_ttl_seconds=0.0,
    # The token goes to Typeform's API hosts only (US and EU data centres; loopback for the
    # simulator).
    allowed_hosts=("api.typeform.com", "api.eu.typeform.com", "*.typeform.com"),
)
