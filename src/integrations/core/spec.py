"""A connector described as data: the `ProviderSpec` and its parts.

A connector is mostly a spec (base URL, auth, limits, retry rules, pagination, error map,
webhook scheme); the pipeline reads it and code is written only for what data cannot say.
Runtime configuration (`IntegrationSettings`) overrides the spec's defaults per deployment.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import httpx2

from integrations.runtime_config import IntegrationSettings

__all__ = [
    "AuthSpec",
    "CircuitSpec",
    "ProviderSpec",
    "RateLimitRule",
    "RetrySpec",
]

DEFAULT_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class AuthSpec:
    """How credentials go on the wire: `header: prefix + credential`.

    Args:
        scheme: "header" (API key or bearer in a header), "query" (a query parameter) or "none".
        name: the header or query parameter name.
        prefix: text before the credential, e.g. "API-Key " or "Bearer ".
        credential: the key in the integration's credentials holding the secret.
    """

    scheme: Literal["header", "query", "none"] = "none"
    name: str = "Authorization"
    prefix: str = "Bearer "
    credential: str = "api_key"


@dataclass(frozen=True, slots=True)
class RateLimitRule:
    """At most `limit` units per `period_seconds` for requests this rule matches.

    Args:
        limit: units allowed per window.
        period_seconds: the window length.
        methods: HTTP methods matched (None: all).
        path: a regular expression searched in the URL path (None: all paths).
        cost: units one matching request spends.
        name: a label for logs and metrics (defaults to "<limit>/<period>s").
    """

    limit: int
    period_seconds: float
    methods: frozenset[str] | None = None
    path: str | None = None
    cost: int = 1
    name: str = ""

    def matches(self, request: httpx2.Request) -> bool:
        """True when this rule governs `request`."""
        if self.methods is not None and request.method.upper() not in self.methods:
            return False
        return self.path is None or re.search(self.path, request.url.path) is not None

    @property
    def label(self) -> str:
        return self.name or f"{self.limit}/{self.period_seconds:g}s"


@dataclass(frozen=True, slots=True)
class RetrySpec:
    """Retry rules (seconds): exponential backoff with full jitter, capped.

    Args:
        max_attempts: attempts per logical call, the first included.
        base_seconds: the first backoff ceiling; doubles each retry (`factor`).
        cap_seconds: the largest wait; a server asking for longer fails fast instead.
        statuses: response statuses that are retried.
        idempotency_header: the vendor's idempotency-key header, if it has one; writes
            (POST/PATCH) are retried only when a request carries it.
    """

    max_attempts: int = 3
    base_seconds: float = 1.0
    factor: float = 2.0
    cap_seconds: float = 60.0
    statuses: frozenset[int] = DEFAULT_RETRY_STATUSES
    idempotency_header: str | None = None


@dataclass(frozen=True, slots=True)
class CircuitSpec:
    """Open after `failure_threshold` consecutive failures; try again after the timeout."""

    failure_threshold: int = 5
    reset_timeout_seconds: float = 60.0
    trial_timeout_seconds: float = 30.0


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """Everything the pipeline needs to know about one vendor API.

    Args:
        name: the connector name (the registry key).
        base_url: the API host; configuration may override it.
        auth: how credentials are sent.
        rate_limits: the vendor's limits, several windows and endpoint rules at once.
        retry: retry rules.
        circuit: breaker thresholds.
        pagination: the vendor's paging style.
        webhook: the name of the vendor's webhook signature scheme, if any.
        timeout_seconds: the longest one attempt may take, connect to last body byte.
        deadline_seconds: the default longest a whole call may take: attempts, backoff,
            rate-limit and `Retry-After` waits (a caller may pass its own).
        allowed_hosts: the hosts a configured base URL may name ("*.example.com" for
            subdomains); empty: any https host. Loopback (the simulators) is always allowed.
        cache_ttl_seconds: default TTL of cached reads; 0 (the default) caches nothing, since a
            cached read can be stale after a write. A connector whose answers rarely change
            (an address, a company record) opts in; a call may pass its own `cache_ttl`.
        request_id_header: the response header carrying the vendor's request id.
        background_share: the share of each window background calls may not use.
        operation_costs: what one call of an operation costs (any unit, e.g. USD), summed
            into the metric windows; operations not listed cost nothing. Kept read-only,
            and left out of the spec's hash.
    """

    name: str
    base_url: str
    auth: AuthSpec = field(default_factory=AuthSpec)
    rate_limits: tuple[RateLimitRule, ...] = ()
    retry: RetrySpec = field(default_factory=RetrySpec)
    circuit: CircuitSpec = field(default_factory=CircuitSpec)
    pagination: Literal["cursor", "link", "offset", "page", "none"] = "none"
    webhook: str | None = None
    timeout_seconds: float = 30.0
    deadline_seconds: float = 120.0
    allowed_hosts: tuple[str, ...] = ()
    cache_ttl_seconds: float = 0.0
    request_id_header: str = "x-request-id"
    background_share: float = 0.2
    operation_costs: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )

    def __post_init__(self) -> None:
        # A frozen spec must not share a dict its author may still change.
        costs = MappingProxyType({str(k): float(v) for k, v in self.operation_costs.items()})
        object.__setattr__(self, "operation_costs", costs)

    def with_settings(self, settings: IntegrationSettings) -> ProviderSpec:
        """This spec with the runtime configuration's overrides applied.

        Configured rate limits replace the spec's path-independent (global) rules and keep
        its endpoint-specific ones.
        """
        limits = self.rate_limits
        if settings.rate_limits:
            endpoint_rules = tuple(r for r in self.rate_limits if r.path or r.methods)
            configured = tuple(
                RateLimitRule(limit=w.limit, period_seconds=w.period_seconds)
                for w in settings.rate_limits
            )
            limits = configured + endpoint_rules
        return dataclasses.replace(
            self,
            base_url=str(settings.base_url).rstrip("/") if settings.base_url else self.base_url,
            rate_limits=limits,
            timeout_seconds=settings.timeout_seconds,
            cache_ttl_seconds=settings.cache_ttl_seconds,
            retry=dataclasses.replace(
                self.retry,
                max_attempts=settings.retry.max_attempts,
                base_seconds=settings.retry.base_seconds,
                cap_seconds=settings.retry.cap_seconds,
            ),
            circuit=dataclasses.replace(
                self.circuit,
                failure_threshold=settings.circuit.failure_threshold,
                reset_timeout_seconds=settings.circuit.reset_timeout_seconds,
            ),
        )
