"""The SMS connector's own errors, and how SNS error answers map onto the error tree.

SNS answers errors as XML (`ErrorResponse/Error/{Type,Code,Message}`); the status picks the
class (400 `InvalidParameter` → BadRequestError, 403 `AuthorizationError` → ForbiddenError,
429 `Throttled` → RateLimitedError, 500 `InternalError` → ProviderServerError) and the
message carries SNS's code and a short, redacted reason.
"""

from __future__ import annotations

import re

import httpx2

from integrations.core.errormap import ErrorMap
from integrations.errors import IntegrationError, ProviderError
from integrations.logging import redact_text

__all__ = [
    "InvalidPhoneNumberError",
    "MessageTooLongError",
    "SnsErrorMap",
    "sns_error_code",
]

_CODE = re.compile(r"<Code>([^<]{1,100})</Code>")
_MESSAGE = re.compile(r"<Message>([^<]{0,500})</Message>")


def sns_error_code(body: str) -> tuple[str | None, str | None]:
    """SNS's error code and message from an XML error body (a regex: no XML parser is
    handed a vendor body, so no entity expansion can happen)."""
    code, message = _CODE.search(body), _MESSAGE.search(body)
    return (code.group(1) if code else None, message.group(1) if message else None)


class SnsErrorMap(ErrorMap):
    """The default map, with SNS's code and message read from its XML body."""

    def to_error(self, response: httpx2.Response, *, now: float) -> ProviderError:
        error = super().to_error(response, now=now)
        code, message = sns_error_code(response.text if response.content else "")
        if code:
            error.message = f"{code}: {redact_text(message or '')[:200]}".rstrip(": ")
        return error


class InvalidPhoneNumberError(IntegrationError):
    """A number that is not a valid phone number (E.164 after parsing); never sent."""

    http_status = 422
    code = "invalid_phone_number"


class MessageTooLongError(IntegrationError):
    """A message over SNS's 1,600 bytes per publish; never sent."""

    http_status = 422
    code = "message_too_long"
