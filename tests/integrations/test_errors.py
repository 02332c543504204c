"""The error tree: status table, retryable flags, safe messages."""

from __future__ import annotations

import datetime as dt

import httpx2
import pytest

from integrations import errors
from integrations.errors import (
    AuthError,
    BadRequestError,
    CircuitOpenError,
    ConfigError,
    ConflictError,
    ConnectError,
    ForbiddenError,
    LockedError,
    NotFoundError,
    ProviderError,
    ProviderServerError,
    RateLimitedError,
    RequestTimeoutError,
    ServiceUnavailableError,
    error_for_status,
    error_for_transport,
)


@pytest.mark.parametrize(
    ("status", "cls", "retryable"),
    [
        pytest.param(400, BadRequestError, False, id="400"),
        pytest.param(401, AuthError, False, id="401"),
        pytest.param(403, ForbiddenError, False, id="403"),
        pytest.param(404, NotFoundError, False, id="404"),
        pytest.param(409, ConflictError, False, id="409"),
        pytest.param(422, BadRequestError, False, id="422"),
        pytest.param(423, LockedError, False, id="423"),
        pytest.param(429, RateLimitedError, True, id="429"),
        pytest.param(500, ProviderServerError, True, id="500"),
        pytest.param(502, ServiceUnavailableError, True, id="502"),
        pytest.param(503, ServiceUnavailableError, True, id="503"),
        pytest.param(504, ServiceUnavailableError, True, id="504"),
        pytest.param(418, ProviderError, False, id="other-4xx"),
        pytest.param(599, ProviderServerError, True, id="other-5xx"),
    ],
)
def test_status_table(status: int, cls: type[ProviderError], retryable: bool) -> None:
    """Each status maps to exactly its class, with the right retryable flag."""
    err = error_for_status(status, provider="acme", request_id="req-1", retry_after=3.0)
    assert type(err) is cls
    assert err.retryable is retryable
    assert err.status == status
    assert "req-1" in str(err)


def test_rate_limited_keeps_retry_fields() -> None:
    """A 429 carries when to retry, and shows it in its JSON form."""
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    err = error_for_status(429, provider="acme", retry_after=2.5, retry_at=at)
    assert isinstance(err, RateLimitedError)
    assert err.retry_after == 2.5
    assert err.to_dict()["retry_at"] == at.isoformat()


def test_bad_request_keeps_field_errors() -> None:
    """A 400 names the vendor's field errors."""
    err = error_for_status(400, provider="acme", field_errors={"name": "required"})
    assert err.to_dict()["field_errors"] == {"name": "required"}


def test_body_is_truncated_summary() -> None:
    """A vendor body is kept only as a short summary."""
    err = error_for_status(500, provider="acme", body="x" * 10_000)
    assert len(err.body) <= 300


def test_message_never_contains_body_or_secret() -> None:
    """The user-facing message is ours, not the vendor's body."""
    err = error_for_status(401, provider="acme", body='{"detail":"key sk_live_123 invalid"}')
    assert "sk_live_123" not in str(err)
    assert "sk_live_123" not in str(err.to_dict())


@pytest.mark.parametrize(
    ("exc", "cls"),
    [
        pytest.param(httpx2.ReadTimeout("t"), RequestTimeoutError, id="read-timeout"),
        pytest.param(httpx2.ConnectTimeout("t"), RequestTimeoutError, id="connect-timeout"),
        pytest.param(TimeoutError(), RequestTimeoutError, id="builtin-timeout"),
        pytest.param(httpx2.ConnectError("refused"), ConnectError, id="connect"),
        pytest.param(httpx2.RemoteProtocolError("dropped"), ConnectError, id="dropped"),
    ],
)
def test_transport_errors(exc: Exception, cls: type[errors.TransportError]) -> None:
    """Library transport exceptions become retryable transport errors."""
    err = error_for_transport(exc, provider="acme")
    assert type(err) is cls
    assert err.retryable


def test_config_error_lists_every_problem() -> None:
    """A ConfigError names every field in its message and its JSON form."""
    err = ConfigError("bad", problems=[("A", "x"), ("B", "y")])
    assert "A: x" in str(err) and "B: y" in str(err)
    assert [e["field"] for e in err.to_dict()["errors"]] == ["A", "B"]


def test_circuit_open_carries_next_attempt() -> None:
    """An open circuit says when the next trial is allowed."""
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    err = CircuitOpenError("open", integration="acme", next_attempt_at=at)
    assert err.to_dict()["next_attempt_at"] == at.isoformat()
    assert CircuitOpenError("open", integration="acme").to_dict()["next_attempt_at"] is None


def test_no_builtin_shadowing() -> None:
    """No exported name shadows a Python builtin."""
    import builtins

    assert not set(errors.__all__) & set(dir(builtins))


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        pytest.param(
            httpx2.LocalProtocolError("Illegal header value b'Bearer sk_1\\r\\nX-Injected: yes'"),
            "acme: the request could not be sent: Illegal header value",
            id="crlf-header-value",
        ),
        pytest.param(
            httpx2.RemoteProtocolError("the response has 10000 header fields, more than 500"),
            "acme: the response could not be read: the response has 10000 header fields, "
            "more than 500",
            id="header-field-cap",
        ),
        pytest.param(
            httpx2.RemoteProtocolError("Receive buffer too long"),
            "acme: the response could not be read: the response head is too large",
            id="head-size-limit",
        ),
        pytest.param(
            httpx2.RemoteProtocolError("illegal header line: bytearray(b'Set-Cookie sid=s3')"),
            "acme: the response could not be read: illegal header line",
            id="quoted-vendor-bytes",
        ),
        pytest.param(
            httpx2.RemoteProtocolError(""),
            "acme: the response could not be read: RemoteProtocolError without a reason",
            id="no-reason",
        ),
    ],
)
def test_protocol_errors_carry_the_reason_without_the_bytes(exc: Exception, message: str) -> None:
    """A protocol error names what broke HTTP in the library's words, minus the quoted bytes
    (a credential in a refused header value, a vendor's cookie in a broken header line)."""
    err = error_for_transport(exc, provider="acme")
    assert type(err) is ConnectError
    assert str(err) == message
