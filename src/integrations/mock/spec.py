"""The mock connector as data."""

from __future__ import annotations

from integrations.core.spec import AuthSpec, ProviderSpec, RetrySpec

__all__ = ["MOCK_SPEC"]

MOCK_SPEC = ProviderSpec(
    name="mock",
    base_url="http://mock.invalid",
    auth=AuthSpec(scheme="header", name="Authorization", prefix="Bearer ", credential="api_key"),
    retry=RetrySpec(idempotency_header="Idempotency-Key"),
    pagination="none",
    cache_ttl_seconds=0.0,
)
