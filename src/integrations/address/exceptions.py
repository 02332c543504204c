"""Address search errors: juso's E-codes and Kakao's error bodies, each to one clear class.

juso answers HTTP 200 for every outcome and puts the outcome in `results.common.errorCode`.
`JusoStatusTransport` (bottom of the pipeline) gives those answers the HTTP status they
mean, so the layers above see a failure as a failure: -999 is retried and counts toward the
breaker, no error is cached. `AddressErrorMap` then builds the error from the code:

| code | error | our reading |
|---|---|---|
| -999 | `AddressServiceError` (retryable) | juso's system error |
| E0001 | `AddressKeyError` | the key is not approved for the search API |
| E0014 | `AddressKeyExpiredError` | the development key expired |
| E0005 E0006 E0008-E0013 | `AddressKeywordError` (field `keyword`) | unsearchable keyword |
| E0015 | `AddressTooManyResultsError` (field `keyword`) | more than 9,000 matches: narrow it |

Kakao: 401 → `AddressKeyError`; `{"code": -10}` (HTTP 400) → `AddressQuotaExceededError`;
400 `MissingParameter` → `AddressKeywordError`; other statuses as the common table says.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2

from integrations.core.errormap import ErrorMap
from integrations.errors import (
    AuthError,
    BadRequestError,
    NotFoundError,
    ProviderError,
    ServiceUnavailableError,
)
from integrations.logging import redact_text

__all__ = [
    "JUSO_ERRORS",
    "AddressErrorMap",
    "AddressKeyError",
    "AddressKeyExpiredError",
    "AddressKeywordError",
    "AddressNotFoundError",
    "AddressQuotaExceededError",
    "AddressServiceError",
    "AddressTooManyResultsError",
    "JusoStatusTransport",
]


class AddressKeywordError(BadRequestError):
    """The vendor cannot search this keyword (too short, too vague, digits only, ...)."""

    code = "address_keyword_rejected"


class AddressTooManyResultsError(BadRequestError):
    """The keyword matches more than juso returns (9,000): add a road name or number."""

    code = "address_too_many_results"


class AddressKeyError(AuthError):
    """The vendor refused the configured key (not approved, wrong, or for another API)."""

    code = "address_key_rejected"


class AddressKeyExpiredError(AddressKeyError):
    """juso's development key expired (E0014): apply for an operating key."""

    code = "address_key_expired"


class AddressServiceError(ServiceUnavailableError):
    """juso reported a system error (-999); retried, then served stale when cached."""

    code = "address_system_error"


class AddressQuotaExceededError(ProviderError):
    """Kakao's daily quota for the app is spent (-10); retrying today does not help."""

    http_status = 429
    code = "address_quota_exceeded"


class AddressNotFoundError(NotFoundError):
    """No address has this id (or the vendor no longer returns it)."""

    code = "address_not_found"


_KEYWORD = AddressKeywordError
# E-code → (error class, HTTP status given to the answer, what it means in our words).
JUSO_ERRORS: dict[str, tuple[type[ProviderError], int, str]] = {
    "-999": (AddressServiceError, 503, "juso had a system error"),
    "E0001": (AddressKeyError, 401, "the juso key is not approved for the search API"),
    "E0005": (_KEYWORD, 400, "the keyword is empty"),
    "E0006": (_KEYWORD, 400, "the keyword is too vague: add more than the province or city"),
    "E0008": (_KEYWORD, 400, "the keyword needs at least two characters"),
    "E0009": (_KEYWORD, 400, "the keyword cannot be digits only"),
    "E0010": (_KEYWORD, 400, "the keyword is too long (40 Korean or 80 other characters)"),
    "E0011": (_KEYWORD, 400, "the keyword holds a number longer than 10 digits"),
    "E0012": (_KEYWORD, 400, "the keyword cannot be special characters and digits only"),
    "E0013": (_KEYWORD, 400, "the keyword holds SQL words or one of % = > < [ ]"),
    "E0014": (AddressKeyExpiredError, 401, "the juso development key has expired"),
    "E0015": (AddressTooManyResultsError, 400, "more than 9,000 matches: narrow the keyword"),
}


def juso_error_code(body: Any) -> str | None:
    """juso's `errorCode` in a parsed body, or None when the body is not juso's shape."""
    try:
        code = body["results"]["common"]["errorCode"]
    except (KeyError, TypeError):
        return None
    return str(code) if code is not None else None


class JusoStatusTransport(httpx2.AsyncBaseTransport):
    """Gives a juso HTTP 200 error answer the status its `errorCode` means (body kept)."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self._inner.handle_async_request(request)
        if response.status_code != 200:
            return response
        body = await response.aread()
        try:
            code = juso_error_code(json.loads(body))
        except (ValueError, UnicodeDecodeError):
            return response  # not JSON: the pipeline's response check reports it
        if code is None or code == "0":
            return response
        status = JUSO_ERRORS.get(code, (ProviderError, 502, ""))[1]
        headers = [(k, v) for k, v in response.headers.raw if k.lower() != b"content-length"]
        return httpx2.Response(status, headers=headers, content=body, request=request)

    async def aclose(self) -> None:
        await self._inner.aclose()


class AddressErrorMap(ErrorMap):
    """juso E-codes and Kakao's `{errorType, message}` / `{code, msg}` to the classes above."""

    def to_error(self, response: httpx2.Response, *, now: float) -> ProviderError:
        try:
            body = json.loads(response.content) if response.content else None
        except (ValueError, UnicodeDecodeError):
            body = None
        code = juso_error_code(body)
        if code in JUSO_ERRORS:
            cls, _, meaning = JUSO_ERRORS[code]
            return self._error(cls, f"{meaning} (juso {code})", response, meaning)
        if isinstance(body, dict):
            if body.get("code") == -10:
                return self._error(AddressQuotaExceededError, "Kakao's quota is spent", response)
            if response.status_code == 401:
                return self._error(AddressKeyError, "Kakao refused the REST API key", response)
            if body.get("errorType") == "MissingParameter":
                empty = "the keyword is empty"
                return self._error(AddressKeywordError, empty, response, empty)
        return super().to_error(response, now=now)

    def _error(
        self,
        cls: type[ProviderError],
        message: str,
        response: httpx2.Response,
        keyword_problem: str | None = None,
    ) -> ProviderError:
        name, status, body = self.spec.name, response.status_code, redact_text(response.text)
        if issubclass(cls, BadRequestError):
            fields = {"keyword": keyword_problem or message}
            return cls(message, provider=name, status=status, body=body, field_errors=fields)
        return cls(message, provider=name, status=status, body=body)
