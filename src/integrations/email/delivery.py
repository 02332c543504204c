"""One message over SMTP: the attempt loop, and which failures are worth another try.

Retried (up to the spec's `max_attempts`, 3 retries by default, with capped full-jitter
backoff on the client's clock): connection errors, timeouts, a dropped connection and SMTP
4xx replies (421 service not available, 450/451/452 try later), because a later attempt can
succeed. Never retried: 5xx replies (550 no such mailbox, 553 bad address, 535 bad
credentials, 554 rejected): the same message would be refused again, and a second attempt
only adds load and noise on the provider's side. Each attempt first takes a token from the
limiter, so retries count toward the provider's limit too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage as MimeMessage
from typing import Literal

import aiosmtplib

__all__ = ["DeliveryOutcome", "SmtpFailure", "classify_failure", "queue_id"]


@dataclass(frozen=True, slots=True)
class SmtpFailure:
    """Why an attempt failed: `code` is the SMTP reply code or an error name."""

    transient: bool
    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """How one message ended, after `attempts` tries."""

    status: Literal["sent", "failed"]
    attempts: int
    error_code: str | None = None
    error_reason: str | None = None
    provider_message_id: str | None = None


def _reply(code: int, message: str) -> SmtpFailure:
    reason = " ".join(message.split())[:300] or "no reason given"
    return SmtpFailure(400 <= code < 500, str(code), reason)


def classify_failure(exc: BaseException) -> SmtpFailure:
    """Transient or permanent, with the code and reason to store (pure: no I/O)."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        first = exc.recipients[0]
        return _reply(first.code, first.message)
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected | aiosmtplib.SMTPTimeoutError):
        return SmtpFailure(True, type(exc).__name__, str(exc)[:300] or "connection lost")
    if isinstance(exc, aiosmtplib.SMTPConnectError):
        return SmtpFailure(True, "connect_error", str(exc)[:300])
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return _reply(exc.code, exc.message)
    if isinstance(exc, OSError | TimeoutError):
        return SmtpFailure(True, "connect_error", str(exc)[:300] or type(exc).__name__)
    return SmtpFailure(False, type(exc).__name__, str(exc)[:300])


_QUEUED = re.compile(r"queued as\s+(\S+)", re.IGNORECASE)


def queue_id(reply: str) -> str | None:
    """The server's queue id from a `250 ... queued as X` reply, when it gives one."""
    found = _QUEUED.search(reply)
    return found.group(1)[:200] if found else None


def message_headers(mime: MimeMessage) -> dict[str, str]:
    """The headers of `mime` a dry run shows (recipients are masked by the caller)."""
    return {k: str(v) for k, v in mime.items() if k.lower() not in ("to", "cc", "bcc")}
