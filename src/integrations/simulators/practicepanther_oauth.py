"""PracticePanther OAuth 2.0 in the simulator: authorize, token (code and refresh), Bearer check.

- `GET /OAuth/Authorize?response_type=code&client_id&redirect_uri&state`: the simulated user
  approves at once and is sent to `<redirect_uri>?code=…&state=…` (302). `state` is required;
  the redirect must be HTTPS, except plain http on localhost / 127.0.0.1 (BRIEF §3); when
  redirect URIs are registered it must be one of them. An unknown client or a bad redirect
  answers 400 without redirecting (RFC 6749 §4.1.2.1); `authorize_outcome = "deny"` redirects
  with `error=access_denied`.
- `POST /OAuth/Token` (form-encoded; client credentials in the form or HTTP Basic):
  `grant_type=authorization_code` (+code, redirect_uri) or `refresh_token`. Codes are single
  use. Refresh tokens rotate: each refresh returns a new one and the old one answers
  `400 {"error": "invalid_grant"}` from then on, as does an expired one. Access tokens issued
  earlier stay valid until they expire.
- API calls: `Authorization: Bearer <token>`; unknown or expired → 401 with
  `WWW-Authenticate: Bearer`. With `expired_token_answer = "400"` an expired (known) token
  answers `400 {"error": "invalid_grant"}` instead, the other signal BRIEF §3 reports.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["OAuthError", "OAuthSettings", "TokenStore", "check_redirect", "client_credentials"]

DEFAULT_CLIENTS = {"pp-sim-client": "pp-sim-secret"}


class OAuthSettings(BaseModel):
    """OAuth behaviour the brief leaves uncertain, adjustable through `/_sim/practicepanther`."""

    model_config = ConfigDict(extra="forbid")

    clients: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_CLIENTS))
    redirect_uris: list[str] = Field(default_factory=list)
    access_token_lifetime_seconds: float = Field(default=86_400.0, gt=0)
    refresh_token_lifetime_seconds: float = Field(default=14 * 86_400.0, gt=0)
    code_lifetime_seconds: float = Field(default=600.0, gt=0)
    send_expires_in: bool = True
    expired_token_answer: Literal["401", "400"] = "401"  # noqa: S105 - a status, not a secret
    authorize_outcome: Literal["approve", "deny"] = "approve"


class OAuthError(Exception):
    """An OAuth answer: `{"error": ..., "error_description": ...}` with a status."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}


def _loopback(host: str) -> bool:
    return host in {"localhost", "127.0.0.1"}


def check_redirect(settings: OAuthSettings, redirect_uri: str) -> None:
    """400 unless `redirect_uri` is HTTPS (http on loopback) and, with a list, registered."""
    parts = urlsplit(redirect_uri)
    host = parts.hostname or ""
    secure = parts.scheme == "https" or (parts.scheme == "http" and _loopback(host))
    if not host or not secure:
        raise OAuthError(400, "invalid_request", "redirect_uri must be an https URL")
    if settings.redirect_uris and redirect_uri not in settings.redirect_uris:
        raise OAuthError(400, "invalid_request", "redirect_uri is not registered")


def redirect_with(redirect_uri: str, params: dict[str, str]) -> str:
    joiner = "&" if urlsplit(redirect_uri).query else "?"
    return f"{redirect_uri}{joiner}{urlencode(params)}"


def client_credentials(form: dict[str, str], authorization: str | None) -> tuple[str, str]:
    """(client_id, client_secret) from HTTP Basic or the form."""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() == "basic" and value:
        try:
            user, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            raise OAuthError(401, "invalid_client", "malformed Basic credentials") from None
        return user, password
    return form.get("client_id", ""), form.get("client_secret", "")


def parse_form(body: bytes, content_type: str | None) -> dict[str, str]:
    if "application/x-www-form-urlencoded" not in (content_type or ""):
        raise OAuthError(400, "invalid_request", "the body must be form-encoded")
    try:
        return dict(parse_qsl(body.decode(), keep_blank_values=True))
    except UnicodeDecodeError:
        raise OAuthError(400, "invalid_request", "the body is not UTF-8") from None


@dataclass(slots=True)
class _Code:
    client_id: str
    redirect_uri: str
    expires_at: float


@dataclass(slots=True)
class TokenStore:
    """Issued codes and tokens with their expiry on the simulator clock."""

    codes: dict[str, _Code] = field(default_factory=dict)
    access: dict[str, float] = field(default_factory=dict)
    refresh: dict[str, tuple[str, float]] = field(default_factory=dict)
    used_refresh: set[str] = field(default_factory=set)
    issued: int = 0
    refreshed: int = 0

    def new_code(self, client_id: str, redirect_uri: str, expires_at: float) -> str:
        code = secrets.token_urlsafe(24)
        self.codes[code] = _Code(client_id, redirect_uri, expires_at)
        return code

    def redeem_code(self, code: str, client_id: str, redirect_uri: str, now: float) -> None:
        found = self.codes.pop(code, None)  # single use, even when the check below fails
        if found is None or found.expires_at <= now:
            raise OAuthError(400, "invalid_grant", "the authorization code is invalid or expired")
        if found.client_id != client_id or found.redirect_uri != redirect_uri:
            raise OAuthError(
                400, "invalid_grant", "the code was issued for another client/redirect"
            )

    def rotate(self, token: str, client_id: str, now: float) -> None:
        """Consume refresh token `token`: refused when unknown, used, expired or foreign."""
        found = self.refresh.pop(token, None)
        if found is None or found[1] <= now or found[0] != client_id:
            reason = "already used" if token in self.used_refresh else "invalid or expired"
            raise OAuthError(400, "invalid_grant", f"the refresh token is {reason}")
        self.used_refresh.add(token)
        self.refreshed += 1

    def issue(self, client_id: str, settings: OAuthSettings, now: float) -> dict[str, object]:
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.access[access] = now + settings.access_token_lifetime_seconds
        self.refresh[refresh] = (client_id, now + settings.refresh_token_lifetime_seconds)
        self.issued += 1
        answer: dict[str, object] = {
            "access_token": access,
            "token_type": "bearer",
            "refresh_token": refresh,
        }
        if settings.send_expires_in:
            answer["expires_in"] = int(settings.access_token_lifetime_seconds)
        return answer

    def check_access(self, token: str, now: float) -> Literal["ok", "unknown", "expired"]:
        expires_at = self.access.get(token)
        if expires_at is None:
            return "unknown"
        return "ok" if now < expires_at else "expired"
