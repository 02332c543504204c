"""PandaDoc as data: API-Key/Bearer auth, per-endpoint limits per minute, a sandbox profile.

PandaDoc limits each endpoint separately (requests per minute, sliding window) and publishes
two sets of numbers: the limits page and the 2025-06-11 changelog (BRIEF §1.8, M). The
changelog values are the default profile; the limits page is the `limits-page` profile; a
sandbox key allows 10 requests per minute on any endpoint. Runtime options pick the profile
and override single endpoints (`options: {"limits_profile", "endpoint_limits", "sandbox"}`).

Create-from-PDF and create-from-template share `POST /public/v1/documents` but have different
limits, so their rules also match on the create source, which operations put in the request
extension `CREATE_SOURCE` (a request without it is classified by its body).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx2

from integrations.core.spec import AuthSpec, CircuitSpec, ProviderSpec, RateLimitRule, RetrySpec
from integrations.errors import ConfigError
from integrations.runtime_config import IntegrationSettings

__all__ = [
    "APP_URL",
    "BASE_URL",
    "CREATE_SOURCE",
    "ENDPOINT_LIMITS",
    "LIMIT_PROFILES",
    "PANDADOC_SPEC",
    "SANDBOX_PER_MINUTE",
    "CreateRule",
    "LimitsProfile",
    "PandaDocSpec",
    "rate_limits_for",
]

BASE_URL = "https://api.pandadoc.com"
APP_URL = "https://app.pandadoc.com"  # signing links `/s/<session id>` (BRIEF §1.5, M)
CREATE_SOURCE = "pandadoc.create_source"  # request extension: "pdf" or "template"
SANDBOX_PER_MINUTE = 10
LimitsProfile = Literal["changelog-2025", "limits-page"]

_DOCS = "/public/v1/documents"
_DOC = _DOCS + "/[^/]+"
# name -> (methods, path regex searched in the URL path, create source or None)
ENDPOINT_LIMITS: dict[str, tuple[frozenset[str], str, str | None]] = {
    "create_pdf": (frozenset({"POST"}), _DOCS + "$", "pdf"),
    "create_template": (frozenset({"POST"}), _DOCS + "$", "template"),
    "send": (frozenset({"POST"}), _DOC + "/send$", None),
    "document_details": (frozenset({"GET"}), _DOC + "/details$", None),
    "template_details": (frozenset({"GET"}), "/public/v1/templates/[^/]+/details$", None),
    "list": (frozenset({"GET"}), _DOCS + "$", None),
    "status": (frozenset({"GET"}), _DOC + "$", None),
    "delete": (frozenset({"DELETE"}), _DOC + "$", None),
    "download": (frozenset({"GET"}), _DOC + "/download$", None),
    "download_protected": (frozenset({"GET"}), _DOC + "/download-protected$", None),
}
# Requests per minute by profile (BRIEF §1.8: limits page vs. changelog 2025-06-11).
LIMIT_PROFILES: dict[str, dict[str, int]] = {
    "changelog-2025": {
        "create_pdf": 300,
        "create_template": 500,
        "send": 400,
        "document_details": 600,
        "template_details": 600,
        "list": 2000,
        "status": 2000,
        "delete": 2000,
        "download": 100,
        "download_protected": 300,
    },
    "limits-page": {
        "create_pdf": 50,
        "create_template": 300,
        "send": 200,
        "document_details": 300,
        "template_details": 300,
        "list": 2000,
        "status": 2000,
        "delete": 2000,
        "download": 50,
        "download_protected": 300,
    },
}


def _create_source(request: httpx2.Request) -> str:
    source = request.extensions.get(CREATE_SOURCE)
    if isinstance(source, str):
        return source
    if "upload" in request.url.params or "multipart" in request.headers.get("content-type", ""):
        return "pdf"
    return "template" if b'"template_uuid"' in request.content else "pdf"


@dataclass(frozen=True, slots=True)
class CreateRule(RateLimitRule):
    """A rule for one kind of `POST /documents`: "pdf" (URL or upload) or "template"."""

    source: str = "template"

    def matches(self, request: httpx2.Request) -> bool:
        return RateLimitRule.matches(self, request) and _create_source(request) == self.source


def rate_limits_for(
    profile: str = "changelog-2025",
    *,
    sandbox: bool = False,
    overrides: Mapping[str, Any] | None = None,
) -> tuple[RateLimitRule, ...]:
    """The endpoint rules of `profile` with `overrides` ({name: per minute}); a sandbox key
    gets one 10/min rule on every `/public/` path instead.

    Raises:
        ConfigError: an unknown profile or endpoint name, or a limit that is not a positive int.
    """
    problems: list[tuple[str, str]] = []
    if profile not in LIMIT_PROFILES:
        problems.append(("limits_profile", f"one of {', '.join(LIMIT_PROFILES)}"))
    for name, value in (overrides or {}).items():
        if name not in ENDPOINT_LIMITS:
            problems.append((f"endpoint_limits.{name}", f"one of {', '.join(ENDPOINT_LIMITS)}"))
        elif isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            problems.append((f"endpoint_limits.{name}", "a positive number of requests/min"))
    if problems:
        raise ConfigError("invalid PandaDoc rate-limit options", problems=problems)
    if sandbox:
        # A path makes it an endpoint rule, so configured global windows never replace it.
        return (RateLimitRule(SANDBOX_PER_MINUTE, 60.0, path="/public/", name="sandbox"),)
    limits = LIMIT_PROFILES[profile] | dict(overrides or {})
    rules: list[RateLimitRule] = []
    for name, (methods, path, source) in ENDPOINT_LIMITS.items():
        if source is None:
            rules.append(RateLimitRule(limits[name], 60.0, methods, path, name=name))
        else:
            rules.append(CreateRule(limits[name], 60.0, methods, path, name=name, source=source))
    return tuple(rules)


@dataclass(frozen=True, slots=True)
class PandaDocSpec(ProviderSpec):
    """`ProviderSpec` plus the PandaDoc limit profile, the sandbox flag and the app host.

    Args:
        sandbox: the key is a sandbox key (10 requests/min on any endpoint).
        limits_profile: which published limits apply ("changelog-2025" or "limits-page").
        endpoint_limits: per-endpoint overrides, requests per minute by rule name.
        app_url: the web app host signing links point at.
    """

    sandbox: bool = False
    limits_profile: str = "changelog-2025"
    endpoint_limits: tuple[tuple[str, int], ...] = ()
    app_url: str = APP_URL

    @classmethod
    def of(cls, spec: ProviderSpec) -> PandaDocSpec:
        """`spec` itself when it is a PandaDoc spec, else the same values as one."""
        if isinstance(spec, PandaDocSpec):
            return spec
        return cls(**{f.name: getattr(spec, f.name) for f in dataclasses.fields(ProviderSpec)})

    def with_limits(
        self,
        *,
        sandbox: bool | None = None,
        profile: str | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> PandaDocSpec:
        """This spec with its endpoint rules rebuilt; global windows are kept."""
        sandbox = self.sandbox if sandbox is None else sandbox
        profile = profile or self.limits_profile
        merged = dict(self.endpoint_limits) | dict(overrides or {})
        rules = rate_limits_for(profile, sandbox=sandbox, overrides=merged)
        kept = tuple(r for r in self.rate_limits if not (r.path or r.methods))
        return dataclasses.replace(
            self,
            sandbox=sandbox,
            limits_profile=profile,
            endpoint_limits=tuple(sorted(merged.items())),
            rate_limits=kept + rules,
        )

    def with_settings(self, settings: IntegrationSettings) -> PandaDocSpec:
        """Runtime settings as for any spec, plus `options.sandbox`, `options.limits_profile`
        and `options.endpoint_limits` ({rule name: requests per minute})."""
        base = ProviderSpec.with_settings(self, settings)
        assert isinstance(base, PandaDocSpec)
        options = settings.options
        sandbox = options.get("sandbox")
        overrides = options.get("endpoint_limits")
        if overrides is not None and not isinstance(overrides, dict):
            raise ConfigError(
                "invalid PandaDoc rate-limit options",
                problems=[("endpoint_limits", "an object {rule name: requests per minute}")],
            )
        return base.with_limits(
            sandbox=None if sandbox is None else bool(sandbox),
            profile=options.get("limits_profile"),
            overrides=overrides,
        )


PANDADOC_SPEC = PandaDocSpec(
    name="pandadoc",
    base_url=BASE_URL,
    auth=AuthSpec(scheme="header", name="Authorization", prefix="API-Key ", credential="api_key"),
    rate_limits=rate_limits_for(),
    # Backoff ceilings 1, 2, 4, 8, 16, 32 s with full jitter; writes are never retried on
    # 5xx (PandaDoc has no idempotency key), 429 on writes is retried by the client.
    retry=RetrySpec(max_attempts=7, base_seconds=1.0, factor=2.0, cap_seconds=32.0),
    circuit=CircuitSpec(failure_threshold=5, reset_timeout_seconds=60.0),
    pagination="page",
    webhook="pandadoc",
    cache_ttl_seconds=0.0,
    # Limits count per minute, so a queued call may wait several windows (a sandbox key
    # allows 10 creates a minute): five minutes before a call gives up.
    deadline_seconds=300.0,
    # The API key goes to PandaDoc's API hosts only (and loopback, for the simulator).
    allowed_hosts=("api.pandadoc.com", "*.pandadoc.com"),
)
