"""`PracticePantherIntegration`: the PracticePanther client, built from `PRACTICEPANTHER_SPEC`.

The spec carries the host, limits, retry and breaker; this class adds what data cannot say:
the app's OAuth identity (runtime configuration, then `PRACTICEPANTHER_*` variables, then
`.env`), a Bearer token on every call kept fresh by `TokenManager` (proactively, and once
more after a 401 or a 400 `invalid_grant`), the encrypted token store, the Redis refresh lock
when the process has Redis, and what a refused refresh does (an unhealthy health row and the
`token_refresh_failed` alert).

In mock mode the simulator plays PracticePanther, OAuth included: a client with no stored
tokens authorizes itself against it once (account `mock`, so live tokens are never touched).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx2

from integrations.core.client import BaseIntegration, Fallback, HealthResult
from integrations.core.context import Priority
from integrations.core.spec import ProviderSpec
from integrations.environment import load_prefixed
from integrations.errors import AuthError, BadRequestError, ConfigError
from integrations.logging import get_logger
from integrations.practicepanther.auth import (
    REFRESH_MARGIN_SECONDS,
    DistributedLock,
    TokenManager,
    authorize_url,
)
from integrations.practicepanther.exceptions import (
    NotAuthorizedError,
    TokenRefreshError,
    is_expired_token,
)
from integrations.practicepanther.redis_lock import RedisLock
from integrations.practicepanther.spec import (
    API_ROOT,
    AUTHORIZE_PATH,
    BASE_URL,
    PRACTICEPANTHER_SPEC,
    TOKEN_PATH,
)
from integrations.practicepanther.token_store import (
    DatabaseTokenStore,
    MemoryTokenStore,
    StoredTokens,
    TokenStore,
)

if TYPE_CHECKING:
    from integrations.services import Services

__all__ = ["MOCK_REDIRECT_URI", "PracticePantherIntegration"]

_ENV = {
    "client_id": "PRACTICEPANTHER_CLIENT_ID",
    "client_secret": "PRACTICEPANTHER_CLIENT_SECRET",
    "redirect_uri": "PRACTICEPANTHER_REDIRECT_URI",
    "access_token": "PRACTICEPANTHER_ACCESS_TOKEN",
    "refresh_token": "PRACTICEPANTHER_REFRESH_TOKEN",
}
MOCK_REDIRECT_URI = "http://127.0.0.1/api/v1/integrations/practicepanther/oauth/callback"
_OAUTH_PATHS = (TOKEN_PATH, AUTHORIZE_PATH)
_log = get_logger()


def _credentials(given: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, str]:
    found = {k: environ[v] for k, v in _ENV.items() if environ.get(v)}
    return found | {k: str(v) for k, v in given.items() if v not in (None, "")}


class PracticePantherIntegration(BaseIntegration):
    """The PracticePanther connector.

    Args:
        spec: defaults to `PRACTICEPANTHER_SPEC` (the factory passes it with runtime settings).
        credentials: `client_id`, `client_secret` (+ `redirect_uri`); `access_token` and
            `refresh_token` seed a client built without a database. Missing keys are read
            from `PRACTICEPANTHER_*` variables, then `./.env`.
        services: the process's services: tokens are kept encrypted in its database, and
            refreshes take a Redis lock when it configures Redis.
        token_store / refresh_lock: given directly (tests); they win over `services`.
        refresh_margin_seconds: refresh this long before the access token expires.
        **kw: the `BaseIntegration` options (store, clock, transport, recorder, ...).

    Raises:
        ConfigError: live mode without a client id and secret.
    """

    SPEC: ClassVar[ProviderSpec] = PRACTICEPANTHER_SPEC

    def __init__(
        self,
        spec: ProviderSpec | None = None,
        *,
        credentials: Mapping[str, Any] | None = None,
        services: Services | None = None,
        token_store: TokenStore | None = None,
        refresh_lock: DistributedLock | None = None,
        refresh_margin_seconds: float = REFRESH_MARGIN_SECONDS,
        environ: Mapping[str, str] | None = None,
        dotenv: Path | None = Path(".env"),
        **kw: Any,
    ) -> None:
        environment = load_prefixed("PRACTICEPANTHER_", environ, dotenv)
        creds = _credentials(credentials or {}, environment)
        is_mock = bool(kw.get("is_mock"))
        if is_mock:  # the simulator's default app (its DEFAULT_CLIENTS; no import: other side)
            creds.setdefault("client_id", "pp-sim-client")
            creds.setdefault("client_secret", "pp-sim-secret")
        missing = [k for k in ("client_id", "client_secret") if not creds.get(k)]
        if missing:
            raise ConfigError(
                "practicepanther needs its OAuth app identity: "
                + ", ".join(f"{k} ({_ENV[k]})" for k in missing),
                integration="practicepanther",
                problems=[(k, "required") for k in missing],
            )
        resolved = spec or PRACTICEPANTHER_SPEC
        if resolved.base_url == BASE_URL and environment.get("PRACTICEPANTHER_BASE_URL"):
            host = environment["PRACTICEPANTHER_BASE_URL"].rstrip("/")
            resolved = dataclasses.replace(resolved, base_url=host)
        super().__init__(resolved, credentials=creds, **kw)
        self.services = services
        self.tokens = TokenManager(
            token_store or self._default_store(services, is_mock),
            lambda r: BaseIntegration.call(self, r, operation="oauth_token", cache_ttl=0),
            base_url=self.spec.base_url,
            client_id=creds["client_id"],
            client_secret=creds["client_secret"],
            clock=self.clock,
            lock=refresh_lock or self._default_lock(services),
            # A refused refresh in mock mode means the simulator was reset: not an incident.
            on_failure=None if is_mock else self._refresh_failed,
            margin_seconds=refresh_margin_seconds,
        )

    def _default_store(self, services: Services | None, is_mock: bool) -> TokenStore:
        if services is not None:
            account = "mock" if is_mock else "default"
            return DatabaseTokenStore(
                services.db, services.box, integration=self.name, account=account
            )
        seed = None
        if self.credentials.get("access_token"):
            seed = StoredTokens(
                self.credentials["access_token"], self.credentials.get("refresh_token"), None
            )
        return MemoryTokenStore(seed)

    @staticmethod
    def _default_lock(services: Services | None) -> DistributedLock | None:
        url = services.settings.redis_url if services is not None else None
        return RedisLock.from_url(url) if url else None

    @property
    def redirect_uri(self) -> str | None:
        """The registered redirect URI, when configured."""
        return self.credentials.get("redirect_uri")

    def authorize_url(self, *, state: str, redirect_uri: str) -> str:
        """Where the user grants this app access (`GET /OAuth/Authorize`)."""
        return authorize_url(
            self.spec.base_url,
            client_id=self.tokens.client_id,
            redirect_uri=redirect_uri,
            state=state,
        )

    async def exchange_code(self, code: str, redirect_uri: str) -> StoredTokens:
        """Trade the callback's code for tokens and store them (encrypted)."""
        return await self.tokens.exchange_code(code, redirect_uri)

    async def health_check(self) -> HealthResult:
        """One authenticated, cheap read: `GET /api/v2/users/me`."""
        started = time.perf_counter()
        await self.request("GET", f"{API_ROOT}/users/me", operation="health_check", cache_ttl=0)
        latency_ms = (time.perf_counter() - started) * 1000
        return HealthResult(True, latency_ms, "practicepanther answered")

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
        """The pipeline call with a fresh Bearer token; after a 401 or a 400
        `invalid_grant`, the token is refreshed (once for all callers) and the call repeated."""
        options: dict[str, Any] = {
            "operation": operation,
            "fallback": fallback,
            "priority": priority,
            "cache_ttl": cache_ttl,
            "deadline": deadline,
        }
        if request.url.path.endswith(_OAUTH_PATHS):
            return await BaseIntegration.call(self, request, **options)
        token = await self._access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        try:
            return await BaseIntegration.call(self, request, **options)
        except (AuthError, BadRequestError) as exc:
            if not is_expired_token(exc):
                raise
        token = await self._refreshed(stale=token)
        request.headers["Authorization"] = f"Bearer {token}"
        return await BaseIntegration.call(self, request, **options)

    async def _access_token(self) -> str:
        try:
            return await self.tokens.access_token()
        except (NotAuthorizedError, TokenRefreshError):
            if not self.is_mock:
                raise
        await self._authorize_with_simulator()
        return await self.tokens.access_token()

    async def _refreshed(self, *, stale: str) -> str:
        try:
            return await self.tokens.refresh(stale=stale)
        except TokenRefreshError:
            if not self.is_mock:
                raise
        await self._authorize_with_simulator()  # the simulator forgot its tokens (a reset)
        return await self.tokens.access_token()

    async def _authorize_with_simulator(self) -> None:
        """Mock mode only: run the code flow against the simulator, as a user would."""
        url = self.authorize_url(state="mock-mode", redirect_uri=MOCK_REDIRECT_URI)
        answer = await BaseIntegration.call(
            self, httpx2.Request("GET", url), operation="oauth_authorize", cache_ttl=0
        )
        location = answer.headers.get("location", "")
        code = parse_qs(urlsplit(location).query).get("code", [""])[0]
        if not code:
            raise ConfigError("the simulator's authorize answer carried no code")
        await self.exchange_code(code, MOCK_REDIRECT_URI)

    async def _refresh_failed(self, error: Exception) -> None:
        """Record the integration unhealthy and fire `token_refresh_failed` (once per
        incident: the alert is deduplicated on its key)."""
        if self.services is None:
            return
        from integrations.storage.tables import HealthRow
        from integrations.telemetry.alerts import AlertManager, AlertSignal

        message = f"OAuth token refresh failed: {error}; authorize the app again"
        try:
            async with self.services.db.sessions.begin() as session:
                session.add(
                    HealthRow(
                        integration=self.name,
                        status="unhealthy",
                        source="oauth",
                        message=message[:500],
                        details={"reason": "token_refresh_failed"},
                        checked_at=dt.datetime.now(dt.UTC),
                    )
                )
            signal = AlertSignal("token_refresh_failed", self.name, "critical", message)
            await AlertManager.from_services(self.services).fire(
                signal, dedupe_key=f"token_refresh_failed:{self.name}"
            )
        except Exception:  # the refusal itself is what the caller must see
            _log.exception("practicepanther.refresh_failure_not_recorded")

    async def aclose(self) -> None:
        await super().aclose()
        lock = self.tokens.distributed
        if isinstance(lock, RedisLock):
            await lock.close()
