"""PracticePanther's own errors, in the common error tree (`integrations.errors`).

The API signals an expired access token with 401, and some clients report `400
{"error": "invalid_grant"}` for the same thing (BRIEF §3, L/M): `is_expired_token` reads both.
"""

from __future__ import annotations

from typing import Any

from integrations.errors import AuthError, BadRequestError, ConfigError, IntegrationError

__all__ = [
    "NotAuthorizedError",
    "OAuthStateError",
    "TokenRefreshError",
    "is_expired_token",
]


class TokenRefreshError(AuthError):
    """PracticePanther refused the refresh token (rotated away, revoked or expired):
    authorize the app again through `/api/v1/integrations/practicepanther/oauth/start`."""

    code = "token_refresh_failed"


class NotAuthorizedError(ConfigError):
    """No tokens are stored yet: the OAuth flow has not been completed."""

    code = "not_authorized"


class OAuthStateError(IntegrationError):
    """An OAuth start or callback parameter is wrong (400); `field` names it (`state`,
    `code`, `error`, `redirect_uri`)."""

    http_status = 400
    code = "invalid_oauth_request"

    def __init__(self, message: str, *, field: str, reason: str) -> None:
        super().__init__(message, integration="practicepanther")
        self.field = field
        self.reason = reason

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["errors"] = [{"field": self.field, "reason": self.reason}]
        return body


def is_expired_token(exc: Exception) -> bool:
    """True for the answers that mean "refresh the access token and try again"."""
    if isinstance(exc, AuthError) and not isinstance(exc, TokenRefreshError):
        return exc.status == 401
    return isinstance(exc, BadRequestError) and "invalid_grant" in exc.body
