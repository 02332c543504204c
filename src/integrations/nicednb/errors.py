"""NICE D&B's own errors, and which failures a stale or manual answer may stand in for."""

from __future__ import annotations

from integrations.errors import (
    AuthError,
    BadRequestError,
    CircuitOpenError,
    InvalidResponseError,
    NotFoundError,
    ProviderError,
    ProviderServerError,
    RateLimitedError,
    TransportError,
)

__all__ = ["OUTAGES", "NiceDnbResultError", "invalid_query"]


class NiceDnbResultError(ProviderError):
    """NICE D&B answered HTTP 200 with a result code that is not a success code."""

    code = "nicednb_result_error"


# NICE D&B failing, not the caller: a stale answer (or a manual entry) may stand in.
# A 404 counts too: with no published contract, a wrong path is an outage of ours to fix.
OUTAGES = (
    TransportError,
    ProviderServerError,
    CircuitOpenError,
    RateLimitedError,
    InvalidResponseError,
    AuthError,
    NotFoundError,
    NiceDnbResultError,
)


def invalid_query(field: str, problem: str) -> BadRequestError:
    """The error for a search argument refused before anything is sent (422 at the API)."""
    error = BadRequestError(
        f"{field}: {problem}", provider="nicednb", field_errors={field: problem}
    )
    return error
