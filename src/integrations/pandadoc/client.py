"""`PandaDocIntegration`: the PandaDoc client, built from `PANDADOC_SPEC`.

The spec carries auth, per-endpoint limits, retry and breaker; this class adds what data
cannot say: where credentials and the host come from (runtime configuration, environment,
`.env`), the sandbox profile, OAuth refresh on 401, and reading PandaDoc's "Expected
available in N seconds" 429 text as a `Retry-After`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import httpx2

from integrations.core.client import BaseIntegration, Fallback, HealthResult
from integrations.core.context import Priority
from integrations.core.spec import ProviderSpec
from integrations.errors import (
    AuthError,
    ConfigError,
    ForbiddenError,
    ProviderError,
)
from integrations.logging import get_logger
from integrations.pandadoc.auth import (
    TOKEN_PATH,
    OAuthTokens,
    TokenListener,
    TokenRefresher,
    is_truthy,
    load_environment,
    resolve_credentials,
)
from integrations.pandadoc.exceptions import PandaDocErrorMap, TokenRefreshError
from integrations.pandadoc.hints import VendorHints
from integrations.pandadoc.spec import BASE_URL, PANDADOC_SPEC, PandaDocSpec

__all__ = ["PandaDocIntegration"]

_log = get_logger()


class PandaDocIntegration(BaseIntegration):
    """The PandaDoc connector.

    Args:
        spec: defaults to `PANDADOC_SPEC` (the factory passes it with runtime settings).
        credentials: `api_key`, or OAuth `access_token` (+ `refresh_token`, `client_id`,
            `client_secret`, `scope`); `sandbox: "true"` marks a sandbox key. Without a key
            or token, `PANDADOC_*` variables of the environment, then `./.env`, are used.
        sandbox: force the sandbox profile (10 requests/min on every endpoint) on or off.
        environ / dotenv: where `PANDADOC_*` variables are read (tests pass their own).
        token_listener: awaited with the new tokens after each OAuth refresh (persist them).
        **kw: the `BaseIntegration` options (store, clock, transport, recorder, ...).

    Raises:
        ConfigError: no API key or access token anywhere (live mode).
    """

    SPEC: ClassVar[PandaDocSpec] = PANDADOC_SPEC

    def __init__(
        self,
        spec: ProviderSpec | None = None,
        *,
        credentials: Mapping[str, Any] | None = None,
        sandbox: bool | None = None,
        environ: Mapping[str, str] | None = None,
        dotenv: Path | None = Path(".env"),
        token_listener: TokenListener | None = None,
        **kw: Any,
    ) -> None:
        environment = load_environment(environ, dotenv)
        creds = resolve_credentials(credentials or {}, environment)
        if not (creds.get("api_key") or creds.get("access_token")):
            if not kw.get("is_mock"):
                raise ConfigError(
                    "pandadoc has no credentials: set api_key (PANDADOC_API_KEY) or an OAuth "
                    "access_token in the integration's runtime configuration",
                    integration="pandadoc",
                )
            creds["api_key"] = "simulator"  # the simulator accepts any non-empty key
        flag = creds.pop("sandbox", None) or environment.get("PANDADOC_SANDBOX")
        if sandbox is None and flag is not None:
            sandbox = is_truthy(flag)
        resolved = PandaDocSpec.of(spec or PANDADOC_SPEC)
        if resolved.base_url == BASE_URL and environment.get("PANDADOC_BASE_URL"):
            host = environment["PANDADOC_BASE_URL"].rstrip("/")
            resolved = dataclasses.replace(resolved, base_url=host)
        if sandbox is not None and sandbox != resolved.sandbox:
            resolved = resolved.with_limits(sandbox=sandbox)
        super().__init__(resolved, credentials=creds, **kw)
        self.spec: PandaDocSpec = resolved
        self.errors = PandaDocErrorMap(resolved)
        self.tokens = TokenRefresher(
            self.credentials,
            resolved.base_url,
            lambda r: BaseIntegration.call(self, r, operation="refresh_token", cache_ttl=0),
            token_listener,
        )

    def wrap_transport(self, bottom: httpx2.AsyncBaseTransport) -> httpx2.AsyncBaseTransport:
        return VendorHints(bottom)

    @property
    def sandbox(self) -> bool:
        """True when calls are budgeted as a sandbox key's (10/min on every endpoint)."""
        return self.spec.sandbox

    @property
    def uses_oauth(self) -> bool:
        """OAuth (Bearer) rather than an API key, with what a refresh needs."""
        return not self.credentials.get("api_key") and self.tokens.configured

    async def health_check(self) -> HealthResult:
        """One authenticated, cheap read: the first template."""
        started = time.perf_counter()
        await self.request(
            "GET",
            "/public/v1/templates",
            operation="health_check",
            params={"count": 1},
            cache_ttl=0,
        )
        return HealthResult(True, (time.perf_counter() - started) * 1000, "pandadoc answered")

    def build_request(self, method: str, path: str, **kw: Any) -> httpx2.Request:
        """As for any connector; with OAuth the header is `Authorization: Bearer <token>`."""
        request = super().build_request(method, path, **kw)
        token = self.credentials.get("access_token")
        if "authorization" not in request.headers and token:
            request.headers["Authorization"] = f"Bearer {token}"
        return request

    async def call(
        self,
        request: httpx2.Request,
        *,
        operation: str,
        fallback: Fallback | None = None,
        priority: Priority = "interactive",
        cache_ttl: float | None = None,
        deadline: float | None = None,
    ) -> httpx2.Response:
        """The pipeline call, plus one OAuth refresh on 401 (throttled writes are retried by
        the pipeline: a 429 means nothing was processed)."""
        options: dict[str, Any] = {
            "operation": operation,
            "fallback": fallback,
            "priority": priority,
            "cache_ttl": cache_ttl,
            "deadline": deadline,
        }
        sent_with = request.headers.get("authorization", "")
        try:
            return await BaseIntegration.call(self, request, **options)
        except AuthError as exc:
            if not self._refreshable(exc, request):
                raise
        await self.refresh_access_token(stale=sent_with.removeprefix("Bearer "))
        request.headers["Authorization"] = f"Bearer {self.credentials['access_token']}"
        return await BaseIntegration.call(self, request, **options)

    def _refreshable(self, exc: ProviderError, request: httpx2.Request) -> bool:
        return (
            exc.status == 401
            and not isinstance(exc, ForbiddenError | TokenRefreshError)
            and self.uses_oauth
            and not request.url.path.endswith(TOKEN_PATH)
        )

    async def refresh_access_token(self, *, stale: str | None = None) -> OAuthTokens | None:
        """Exchange the refresh token for a new access token (see `TokenRefresher.refresh`).

        Raises:
            TokenRefreshError: PandaDoc refused the refresh token; authorize again.
            ConfigError: no refresh token, client id or secret is configured.
        """
        return await self.tokens.refresh(stale=stale)
