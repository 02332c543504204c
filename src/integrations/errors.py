"""The error tree of `integrations`: every failure a caller can see is one of these.

```
IntegrationError
├─ ConfigError                                   invalid settings or runtime configuration
│  └─ SecretDecryptionError                      a stored secret no configured key opens
├─ TransportError                                retryable: the request never got an answer
│  ├─ RequestTimeoutError
│  └─ ConnectError
├─ ProviderError (provider, status, request_id, body)   the vendor answered with an error
│  ├─ BadRequestError (400, 422; field_errors)
│  ├─ AuthError (401)
│  │  └─ ForbiddenError (403)
│  ├─ NotFoundError (404)
│  ├─ ConflictError (409)
│  ├─ LockedError (423)
│  ├─ RateLimitedError (429; retry_after, retry_at)     retryable
│  ├─ InvalidResponseError (a 2xx body that is not what it says it is)
│  └─ ProviderServerError (5xx)                         retryable
│     └─ ServiceUnavailableError (502, 503, 504)
├─ CircuitOpenError (next_attempt_at)
├─ IntegrationDisabledError                      the integration is switched off
├─ WebhookSignatureError
└─ SyncError
```

Why one tree: callers catch by meaning (`AuthError`) rather than by status code, the retry
layer reads `retryable` instead of keeping its own list, and one API exception handler turns
any of them into a JSON body. Messages are built from our own words plus a *redacted, truncated*
summary of the vendor body, so an error that reaches a user, a log or an agent never carries a
secret or a raw vendor payload.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "AuthError",
    "BadRequestError",
    "CircuitOpenError",
    "ConfigError",
    "ConflictError",
    "ConnectError",
    "ForbiddenError",
    "IntegrationDisabledError",
    "IntegrationError",
    "InvalidResponseError",
    "LockedError",
    "NotFoundError",
    "ProviderError",
    "ProviderServerError",
    "RateLimitedError",
    "RequestTimeoutError",
    "SecretDecryptionError",
    "ServiceUnavailableError",
    "SyncError",
    "TransportError",
    "WebhookSignatureError",
    "error_for_status",
    "error_for_transport",
]

_BODY_SUMMARY_LIMIT = 300


class IntegrationError(Exception):
    """Base of every error raised by `integrations`.

    Args:
        message: a human sentence without secrets.
        integration: the connector name, when the error belongs to one.
    """

    retryable: ClassVar[bool] = False
    http_status: ClassVar[int] = 500
    code: ClassVar[str] = "integration_error"

    def __init__(self, message: str, *, integration: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.integration = integration

    def to_dict(self) -> dict[str, Any]:
        """The JSON-safe shape the API and MCP tools show to users."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.integration:
            body["integration"] = self.integration
        return body


class ConfigError(IntegrationError):
    """Settings or runtime configuration are invalid; `problems` lists every field at once.

    Args:
        problems: (field, reason) pairs; the message names all of them.
    """

    http_status = 422
    code = "config_error"

    def __init__(
        self,
        message: str,
        *,
        problems: list[tuple[str, str]] | None = None,
        integration: str | None = None,
    ) -> None:
        self.problems = problems or []
        if self.problems:
            lines = "\n".join(f"  - {field}: {reason}" for field, reason in self.problems)
            message = f"{message}\n{lines}"
        super().__init__(message, integration=integration)

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["errors"] = [{"field": f, "reason": r} for f, r in self.problems]
        return body


class SecretDecryptionError(ConfigError):
    """A stored secret cannot be decrypted with the configured keys (a server-side problem)."""

    http_status = 500
    code = "secret_undecryptable"


class TransportError(IntegrationError):
    """The request got no HTTP answer (network, DNS, TLS, timeout)."""

    retryable = True
    http_status = 502
    code = "transport_error"


class RequestTimeoutError(TransportError):
    """The vendor did not answer within the configured timeout."""

    http_status = 504
    code = "timeout"


class ConnectError(TransportError):
    """No connection could be made, or it was dropped before an answer."""

    code = "connect_error"


class ProviderError(IntegrationError):
    """The vendor answered with an error status.

    Args:
        provider: the connector name.
        status: the HTTP status the vendor sent.
        request_id: the vendor's request id header, when it sends one.
        body: the vendor body, already redacted; only a short summary is kept.
        headers: the response headers, already redacted.
    """

    http_status = 502
    code = "provider_error"

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status: int | None = None,
        request_id: str | None = None,
        body: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, integration=provider)
        self.provider = provider
        self.status = status
        self.request_id = request_id
        self.body = (body or "")[:_BODY_SUMMARY_LIMIT]
        self.headers = dict(headers or {})

    def __str__(self) -> str:
        suffix = f" (request id: {self.request_id})" if self.request_id else ""
        status = f"{self.status} " if self.status is not None else ""
        return f"{self.provider}: {status}{self.message}{suffix}"

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body.update({"status": self.status, "request_id": self.request_id})
        return body


class BadRequestError(ProviderError):
    """The vendor rejected the request's content (400, 422); `field_errors` names the fields."""

    http_status = 400
    code = "bad_request"

    def __init__(
        self, message: str, *, field_errors: Mapping[str, str] | None = None, **kw: Any
    ) -> None:
        super().__init__(message, **kw)
        self.field_errors = dict(field_errors or {})

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["field_errors"] = self.field_errors
        return body


class AuthError(ProviderError):
    """The vendor refused our credentials (401)."""

    http_status = 502
    code = "auth_error"


class ForbiddenError(AuthError):
    """The credentials are valid but lack the permission (403)."""

    code = "forbidden"


class NotFoundError(ProviderError):
    """The vendor has no such resource (404)."""

    http_status = 404
    code = "not_found"


class ConflictError(ProviderError):
    """The resource is not in a state that allows the operation (409)."""

    http_status = 409
    code = "conflict"


class LockedError(ProviderError):
    """The resource is locked by the vendor (423)."""

    http_status = 409
    code = "locked"


class RateLimitedError(ProviderError):
    """The vendor, or our own budget, refuses more calls until `retry_at`.

    Args:
        retry_after: seconds to wait, when known.
        retry_at: the moment the next call may go out, when known.
    """

    retryable = True
    http_status = 429
    code = "rate_limited"

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        retry_at: dt.datetime | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after
        self.retry_at = retry_at

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["retry_after"] = self.retry_after
        body["retry_at"] = self.retry_at.isoformat() if self.retry_at else None
        return body


class InvalidResponseError(ProviderError):
    """The vendor answered with a success status but a body that cannot be read: malformed or
    truncated JSON, or no JSON where JSON was promised. `body` holds a redacted preview.

    Not retried (a write may have happened), but it counts as a vendor failure for the
    circuit breaker: a vendor sending garbage is as broken as one sending 500s.
    """

    http_status = 502
    code = "invalid_response"


class ProviderServerError(ProviderError):
    """The vendor failed on its side (5xx)."""

    retryable = True
    http_status = 502
    code = "provider_server_error"


class ServiceUnavailableError(ProviderServerError):
    """The vendor or a gateway in front of it is unavailable (502, 503, 504)."""

    code = "service_unavailable"


class CircuitOpenError(IntegrationError):
    """The circuit breaker is open: no call goes out until `next_attempt_at`."""

    http_status = 503
    code = "circuit_open"

    def __init__(
        self, message: str, *, integration: str, next_attempt_at: dt.datetime | None = None
    ) -> None:
        super().__init__(message, integration=integration)
        self.next_attempt_at = next_attempt_at

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        at = self.next_attempt_at
        body["next_attempt_at"] = at.isoformat() if at else None
        return body


class IntegrationDisabledError(IntegrationError):
    """The integration is disabled in its runtime configuration (the feature flag)."""

    http_status = 409
    code = "integration_disabled"


class WebhookSignatureError(IntegrationError):
    """An inbound webhook failed verification (signature, timestamp or missing secret)."""

    http_status = 401
    code = "invalid_signature"


class SyncError(IntegrationError):
    """A sync run could not start or finish."""

    http_status = 409
    code = "sync_error"


# One table: status → error class. Statuses not listed fall back by class (4xx/5xx).
STATUS_ERRORS: dict[int, type[ProviderError]] = {
    400: BadRequestError,
    401: AuthError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    422: BadRequestError,
    423: LockedError,
    429: RateLimitedError,
    500: ProviderServerError,
    502: ServiceUnavailableError,
    503: ServiceUnavailableError,
    504: ServiceUnavailableError,
}

_DEFAULT_MESSAGES: dict[int, str] = {
    400: "the request was rejected as invalid",
    401: "the credentials were refused",
    403: "the credentials lack permission for this operation",
    404: "the resource was not found",
    409: "the resource is not in a state that allows this operation",
    422: "the request could not be processed",
    423: "the resource is locked",
    429: "the rate limit was exceeded",
    500: "the provider failed with an internal error",
    502: "the provider's gateway failed",
    503: "the provider is unavailable",
    504: "the provider's gateway timed out",
}


def error_for_status(
    status: int,
    *,
    provider: str,
    message: str | None = None,
    **kw: Any,
) -> ProviderError:
    """Build the error for an HTTP error status, from the one status table.

    Args:
        status: the HTTP status (>= 400).
        provider: the connector name.
        message: our own sentence; defaults to a generic one for the status.
        **kw: extra fields for the class (request_id, body, headers, retry_after, ...).
    """
    cls = STATUS_ERRORS.get(status)
    if cls is None:
        cls = ProviderServerError if status >= 500 else ProviderError
    text = message or _DEFAULT_MESSAGES.get(status, f"the provider answered HTTP {status}")
    if not issubclass(cls, RateLimitedError):
        kw.pop("retry_after", None)
        kw.pop("retry_at", None)
    if not issubclass(cls, BadRequestError):
        kw.pop("field_errors", None)
    return cls(text, provider=provider, status=status, **kw)


def error_for_transport(exc: BaseException, *, provider: str) -> TransportError:
    """Translate a library transport exception into our tree (the one boundary for it).

    Args:
        exc: the exception the HTTP engine raised.
        provider: the connector name.
    """
    name = type(exc).__name__.lower()
    if "timeout" in name or isinstance(exc, TimeoutError):
        return RequestTimeoutError(f"{provider}: the request timed out", integration=provider)
    if name == "proxyerror":  # what the proxy said (407, an unsupported proxy URL) is the fix
        reason = (str(exc).strip().splitlines() or ["no reason given"])[0]
        return ConnectError(f"{provider}: the proxy failed: {reason}", integration=provider)
    if name.endswith("protocolerror"):  # the library's reason names what broke HTTP
        reason = _protocol_reason(exc)
        if name.startswith("local"):
            text = f"{provider}: the request could not be sent: {reason}"
        else:
            text = f"{provider}: the response could not be read: {reason}"
        return ConnectError(text, integration=provider)
    return ConnectError(
        f"{provider}: the connection failed ({type(exc).__name__})", integration=provider
    )


# h11 quotes the offending bytes after its words ("Illegal header value b'...'"); they may be
# a credential or a vendor's cookie, so only the words are kept.
_QUOTED_BYTES = re.compile(r"[\s:]*(?:bytearray\()?b?['\"].*", re.DOTALL)
# h11's words for a response head over the library's size limit say nothing to a user.
_PROTOCOL_REASONS = {"receive buffer too long": "the response head is too large"}


def _protocol_reason(exc: BaseException) -> str:
    line = (str(exc).strip().splitlines() or [""])[0]
    words = _QUOTED_BYTES.sub("", line)[:200] or f"{type(exc).__name__} without a reason"
    return _PROTOCOL_REASONS.get(words.lower(), words)
