"""PracticePanther OAuth2 (authorization code): the requests, and the token's upkeep.

- Authorize: `GET /OAuth/Authorize?response_type=code&client_id&redirect_uri&state`; the
  vendor redirects back with `code` and `state`. Token: `POST /OAuth/Token`, form-encoded,
  `grant_type=authorization_code` or `refresh_token` (BRIEF §3). Builders here are pure.
- `TokenManager.access_token()` refreshes proactively `REFRESH_MARGIN_SECONDS` (5 min) before
  expiry; the client also asks for a refresh on 401 and on 400 `invalid_grant`.
- Refresh tokens rotate: the answer's new refresh token is stored with the access token in
  one transaction (`token_store`). A refresh token used twice is refused, so refreshes must be
  single-flight: one `asyncio.Lock` in the process, plus a Redis lock across processes when
  `INTEGRATIONS_REDIS_URL` is set. Whoever gets the lock re-reads the store first: when the
  token it failed with was already replaced by another caller, nothing is sent.
- A refused refresh raises `TokenRefreshError` and calls `on_failure` (the client records an
  unhealthy health row and fires the `token_refresh_failed` alert).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx2

from integrations.core.clock import Clock
from integrations.errors import ProviderError
from integrations.logging import get_logger, register_secret
from integrations.practicepanther.exceptions import NotAuthorizedError, TokenRefreshError
from integrations.practicepanther.spec import AUTHORIZE_PATH, TOKEN_PATH
from integrations.practicepanther.token_store import StoredTokens, TokenStore

__all__ = [
    "REFRESH_MARGIN_SECONDS",
    "DistributedLock",
    "TokenManager",
    "authorize_url",
    "build_code_request",
    "build_refresh_request",
    "needs_refresh",
    "new_state",
    "parse_token_response",
]

REFRESH_MARGIN_SECONDS = 300.0
_log = get_logger()


def authorize_url(base_url: str, *, client_id: str, redirect_uri: str, state: str) -> str:
    """Where the user's browser goes to grant access (no I/O)."""
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
    }
    return f"{base_url.rstrip('/')}{AUTHORIZE_PATH}?{urlencode(query)}"


def _token_request(base_url: str, form: dict[str, str]) -> httpx2.Request:
    return httpx2.Request(
        "POST", base_url.rstrip("/") + TOKEN_PATH, data=form, headers={"Accept": "application/json"}
    )


def build_code_request(
    base_url: str, *, client_id: str, client_secret: str, code: str, redirect_uri: str
) -> httpx2.Request:
    """The authorization-code exchange (form-encoded)."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uri": redirect_uri,
    }
    return _token_request(base_url, form)


def build_refresh_request(
    base_url: str, *, client_id: str, client_secret: str, refresh_token: str
) -> httpx2.Request:
    """The refresh-token grant (form-encoded)."""
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client_id,
        "client_secret": client_secret,
    }
    return _token_request(base_url, form)


def parse_token_response(body: Any, *, now: float) -> StoredTokens:
    """The tokens of a 200 token answer; `expires_in` (seconds) becomes an epoch time.

    Raises:
        ValueError: no access token, or a token with a line break (it goes in a header).
    """
    if not isinstance(body, dict) or not body.get("access_token"):
        raise ValueError("the token answer has no access_token")
    for key in ("access_token", "refresh_token"):
        if any(c in str(body.get(key) or "") for c in "\r\n\x00"):
            raise ValueError(f"the token answer's {key} contains a line break or NUL")
    expires = body.get("expires_in")
    seconds = float(expires) if isinstance(expires, int | float | str) and str(expires) else None
    return StoredTokens(
        access_token=str(body["access_token"]),
        refresh_token=str(body["refresh_token"]) if body.get("refresh_token") else None,
        expires_at=None if seconds is None else now + seconds,
        token_type=str(body.get("token_type") or "Bearer"),
        scope=str(body["scope"]) if body.get("scope") else None,
    )


def needs_refresh(tokens: StoredTokens, now: float, margin: float = REFRESH_MARGIN_SECONDS) -> bool:
    """True when the access token expires within `margin` seconds (never without expiry)."""
    return tokens.expires_at is not None and tokens.expires_at - now <= margin


class DistributedLock(Protocol):
    """A lock shared by processes (Redis); `hold` waits for it and releases it."""

    def hold(self, key: str) -> contextlib.AbstractAsyncContextManager[None]: ...


class TokenManager:
    """The current access token of one client, refreshed once however many callers ask.

    Args:
        store: where the pair is loaded from and saved to.
        send: sends a token request (through the client's pipeline) and returns the answer.
        base_url / client_id / client_secret: the app's OAuth identity.
        clock: the time expiry is judged by.
        lock: the cross-process lock (None: this process is alone).
        on_failure: awaited with the error when a refresh is refused.
    """

    def __init__(
        self,
        store: TokenStore,
        send: Callable[[httpx2.Request], Awaitable[httpx2.Response]],
        *,
        base_url: str,
        client_id: str,
        client_secret: str,
        clock: Clock,
        lock: DistributedLock | None = None,
        on_failure: Callable[[Exception], Awaitable[None]] | None = None,
        lock_key: str = "practicepanther:oauth-refresh",
        margin_seconds: float = REFRESH_MARGIN_SECONDS,
    ) -> None:
        self.store = store
        self._send = send
        self.base_url = base_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.clock = clock
        self.distributed = lock
        self.on_failure = on_failure
        self.lock_key = lock_key
        self.margin_seconds = margin_seconds
        self._local = asyncio.Lock()
        self._tokens: StoredTokens | None = None
        self.refresh_count = 0  # refresh requests this manager sent

    async def current(self) -> StoredTokens:
        """The pair in use (loaded once, then kept in memory).

        Raises:
            NotAuthorizedError: no tokens were ever stored.
        """
        if self._tokens is None:
            self._tokens = await self.store.load()
        if self._tokens is None:
            raise NotAuthorizedError(
                "practicepanther is not authorized yet: open "
                "/api/v1/integrations/practicepanther/oauth/start and grant access",
                integration="practicepanther",
            )
        return self._tokens

    async def access_token(self) -> str:
        """A token valid for at least the refresh margin (refreshed first when it is not)."""
        tokens = await self.current()
        if needs_refresh(tokens, self.clock.now(), self.margin_seconds):
            return await self.refresh(stale=tokens.access_token)
        return tokens.access_token

    async def refresh(self, *, stale: str) -> str:
        """A new access token, unless `stale` (the one a caller used) was already replaced
        by a fresh one here or in another process: then that one, with nothing sent.

        Raises:
            TokenRefreshError: the refresh token was refused; authorize again.
        """
        async with self._local:
            fresh = self._replacement(self._tokens, stale)
            if fresh is not None:
                return fresh
            async with self._hold():
                self._tokens = await self.store.load()
                fresh = self._replacement(self._tokens, stale)
                if fresh is not None:
                    return fresh
                return await self._refresh_locked()

    def _replacement(self, tokens: StoredTokens | None, stale: str) -> str | None:
        """A token another caller got since `stale` was handed out, while still valid.

        Valid, not "outside the margin": with a lifetime shorter than the margin every new
        token is inside it, and refusing it would make each waiter refresh again."""
        if tokens is None or tokens.access_token == stale:
            return None
        return None if needs_refresh(tokens, self.clock.now(), 0.0) else tokens.access_token

    @contextlib.asynccontextmanager
    async def _hold(self) -> AsyncIterator[None]:
        if self.distributed is None:
            yield
            return
        async with self.distributed.hold(self.lock_key):
            yield

    async def _refresh_locked(self) -> str:
        tokens = self._tokens
        if tokens is None or not tokens.refresh_token:
            raise await self._failed(ValueError("no refresh token is stored"))
        request = build_refresh_request(
            self.base_url,
            client_id=self.client_id,
            client_secret=self.client_secret,
            refresh_token=tokens.refresh_token,
        )
        self.refresh_count += 1
        try:
            answer = await self._send(request)
            new = parse_token_response(answer.json(), now=self.clock.now())
        except (ProviderError, ValueError) as exc:
            raise await self._failed(exc) from exc
        if new.refresh_token is None:  # not rotated this time: the old one stays valid
            new = StoredTokens(
                new.access_token, tokens.refresh_token, new.expires_at, new.token_type, new.scope
            )
        await self.store.save(new)
        self._tokens = new
        for value in (new.access_token, new.refresh_token):
            if value:
                register_secret(value)
        _log.info("practicepanther.token_refreshed", expires_at=new.expires_at)
        return new.access_token

    async def _failed(self, exc: Exception) -> TokenRefreshError:
        error = TokenRefreshError(
            "PracticePanther refused the OAuth refresh token; authorize the app again",
            provider="practicepanther",
            status=getattr(exc, "status", None),
        )
        _log.warning("practicepanther.token_refresh_failed", reason=type(exc).__name__)
        if self.on_failure is not None:
            await self.on_failure(error)
        return error

    async def exchange_code(self, code: str, redirect_uri: str) -> StoredTokens:
        """Trade an authorization code for tokens and store them.

        Raises:
            ProviderError: the vendor refused the code (reused, expired, wrong redirect URI).
            ValueError: the answer carries no access token.
        """
        request = build_code_request(
            self.base_url,
            client_id=self.client_id,
            client_secret=self.client_secret,
            code=code,
            redirect_uri=redirect_uri,
        )
        tokens = parse_token_response((await self._send(request)).json(), now=self.clock.now())
        async with self._local:
            await self.store.save(tokens)
            self._tokens = tokens
        return tokens


def new_state() -> str:
    """An unguessable OAuth `state` value."""
    return uuid.uuid4().hex + uuid.uuid4().hex
