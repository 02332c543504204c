"""Credentials: where the key comes from, and the OAuth refresh.

Credentials are looked up in order: the runtime configuration (encrypted in the database,
handed to the client by the factory), then the process environment, then `./.env`. An API
key (`Authorization: API-Key <key>`) wins over an OAuth access token (`Authorization: Bearer
<token>`); with OAuth, a 401 triggers one refresh at `POST /oauth2/access_token`
(form-encoded `grant_type=refresh_token`, BRIEF §1.1) and the call is retried once. The
request is built by a pure function (`build_refresh_request`); `TokenRefresher` sends it,
once for any number of concurrent 401s.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2

from integrations.environment import load_prefixed
from integrations.errors import ConfigError, ProviderError
from integrations.logging import get_logger, register_secret
from integrations.pandadoc.exceptions import TokenRefreshError

__all__ = [
    "CREDENTIAL_ENV",
    "TOKEN_PATH",
    "OAuthTokens",
    "TokenListener",
    "TokenRefresher",
    "build_refresh_request",
    "is_truthy",
    "load_environment",
    "parse_token_response",
    "resolve_credentials",
]

TOKEN_PATH = "/oauth2/access_token"  # noqa: S105 (a path, not a secret)
# credential key -> environment variable
CREDENTIAL_ENV: dict[str, str] = {
    "api_key": "PANDADOC_API_KEY",
    "access_token": "PANDADOC_ACCESS_TOKEN",
    "refresh_token": "PANDADOC_REFRESH_TOKEN",
    "client_id": "PANDADOC_CLIENT_ID",
    "client_secret": "PANDADOC_CLIENT_SECRET",
    "sandbox": "PANDADOC_SANDBOX",
}
_AUTH_KEYS = ("api_key", "access_token")


def is_truthy(value: object) -> bool:
    """ "true", "1", "yes", "on" (any case) or True."""
    return value is True or str(value).strip().lower() in {"true", "1", "yes", "on"}


def load_environment(
    environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
) -> dict[str, str]:
    """The `PANDADOC_*` variables: the process environment over a `.env` file."""
    return load_prefixed("PANDADOC_", environ, dotenv)


def resolve_credentials(given: Mapping[str, Any], environment: Mapping[str, str]) -> dict[str, str]:
    """The credentials to use: `given` (the runtime configuration's) when it holds a key or
    a token, else those in `environment` (see `load_environment`); empty values dropped."""
    chosen = {k: str(v) for k, v in given.items() if v not in (None, "")}
    if any(chosen.get(k) for k in _AUTH_KEYS):
        return chosen
    found = {k: environment[env] for k, env in CREDENTIAL_ENV.items() if environment.get(env)}
    return found | chosen


@dataclass(frozen=True, slots=True)
class OAuthTokens:
    """A token answer; `refresh_token` may rotate on each refresh."""

    access_token: str
    refresh_token: str | None
    expires_in: float | None
    token_type: str = "Bearer"  # noqa: S105
    scope: str | None = None


def build_refresh_request(
    base_url: str,
    *,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    scope: str | None = None,
) -> httpx2.Request:
    """`POST {base_url}/oauth2/access_token` with the refresh grant, form-encoded (no I/O)."""
    form = {
        "grant_type": "refresh_token",
        "client_id": client_id,
        "client_secret": client_secret,
        "refresh_token": refresh_token,
    }
    if scope:
        form["scope"] = scope
    return httpx2.Request(
        "POST",
        base_url.rstrip("/") + TOKEN_PATH,
        data=form,
        headers={"Accept": "application/json"},
    )


def parse_token_response(body: Any) -> OAuthTokens:
    """The tokens of a 200 token answer.

    Raises:
        ValueError: the answer has no access token.
    """
    if not isinstance(body, dict) or not body.get("access_token"):
        raise ValueError("the token answer has no access_token")
    for key in ("access_token", "refresh_token"):
        # A token is put in a header: a line break in it would forge another header.
        if any(c in str(body.get(key) or "") for c in "\r\n\x00"):
            raise ValueError(f"the token answer's {key} contains a line break or NUL")
    expires = body.get("expires_in")
    return OAuthTokens(
        access_token=str(body["access_token"]),
        refresh_token=str(body["refresh_token"]) if body.get("refresh_token") else None,
        expires_in=float(expires) if isinstance(expires, int | float) else None,
        token_type=str(body.get("token_type") or "Bearer"),
        scope=str(body["scope"]) if body.get("scope") else None,
    )


TokenListener = Callable[[OAuthTokens], Awaitable[None]]
_OAUTH_KEYS = ("refresh_token", "client_id", "client_secret")
_log = get_logger()


class TokenRefresher:
    """One client's OAuth refresh, one at a time: concurrent 401s share a single refresh.

    Args:
        credentials: the client's credentials, updated in place with the new tokens.
        base_url: the API host (the token endpoint is `/oauth2/access_token` there).
        send: sends a request through the client's pipeline.
        listener: awaited with the new tokens (to persist them).
    """

    def __init__(
        self,
        credentials: dict[str, str],
        base_url: str,
        send: Callable[[httpx2.Request], Awaitable[httpx2.Response]],
        listener: TokenListener | None = None,
    ) -> None:
        self.credentials = credentials
        self.base_url = base_url
        self._send = send
        self.listener = listener
        self._lock = asyncio.Lock()

    @property
    def configured(self) -> bool:
        """A refresh token, client id and client secret are all set."""
        return all(self.credentials.get(k) for k in _OAUTH_KEYS)

    async def refresh(self, *, stale: str | None = None) -> OAuthTokens | None:
        """New tokens from the refresh grant; None without a request when the `stale`
        access token a caller failed with was already replaced by another caller.

        Raises:
            TokenRefreshError: PandaDoc refused the refresh token; authorize again.
            ConfigError: no refresh token, client id or secret is configured.
        """
        if not self.configured:
            raise ConfigError(
                "pandadoc cannot refresh: refresh_token, client_id and client_secret are needed",
                integration="pandadoc",
            )
        creds = self.credentials
        async with self._lock:
            if stale is not None and creds.get("access_token") not in (stale, None):
                return None
            request = build_refresh_request(
                self.base_url,
                client_id=creds["client_id"],
                client_secret=creds["client_secret"],
                refresh_token=creds["refresh_token"],
                scope=creds.get("scope"),
            )
            try:
                tokens = parse_token_response((await self._send(request)).json())
            except (ProviderError, ValueError) as exc:
                raise TokenRefreshError(
                    "pandadoc refused the OAuth refresh token; authorize the app again",
                    provider="pandadoc",
                    status=getattr(exc, "status", None),
                ) from exc
            for key in ("access_token", "refresh_token"):
                value = getattr(tokens, key)
                if value:
                    register_secret(value)
                    creds[key] = value
            _log.info("pandadoc.token_refreshed", expires_in=tokens.expires_in)
        if self.listener is not None:
            await self.listener(tokens)
        return tokens
