"""Payloads of the email operations (pydantic, at the boundary) and recipient masking.

`to` is a plain string on purpose: a malformed address in a bulk send must become that one
recipient's failed result, not a validation error that rejects the whole batch.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from integrations.email.templates import TEMPLATE_NAME_PATTERN

__all__ = [
    "Attachment",
    "BulkEmailResult",
    "DeliveryStatusView",
    "EmailMessage",
    "EmailSendResult",
    "mask_email",
]


def mask_email(address: str) -> str:
    """`john.doe@example.org` → `j***@example.org`: enough to tell messages apart in a log,
    not enough to recover the mailbox."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain[:200]}"


class Attachment(BaseModel):
    """One file attached to a message, its content base64-encoded."""

    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=200, pattern=r"^[^/\\\r\n]+$")
    content_base64: str = Field(max_length=20_000_000)
    content_type: str = Field(default="application/octet-stream", pattern=r"^[\w.+-]+/[\w.+-]+$")


class EmailMessage(BaseModel):
    """One message: a recipient, a subject template and a body (inline or a named template)."""

    model_config = ConfigDict(extra="forbid")

    to: str = Field(min_length=1, max_length=320, description="the recipient's address")
    subject: str = Field(min_length=1, max_length=300, description="subject (a template)")
    body: str | None = Field(default=None, max_length=1_000_000, description="text template")
    html: str | None = Field(default=None, max_length=1_000_000, description="HTML template")
    template: str | None = Field(
        default=None, pattern=TEMPLATE_NAME_PATTERN, description="a named template instead"
    )
    variables: dict[str, Any] = Field(default_factory=dict, description="template variables")
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _one_body(self) -> EmailMessage:
        inline = self.body is not None or self.html is not None
        if inline == (self.template is not None):
            raise ValueError("give either body/html or template, not both and not neither")
        return self


class EmailSendResult(BaseModel):
    """What happened to one message (the recipient masked)."""

    message_id: str
    recipient: str
    status: Literal["sent", "failed"]
    attempts: int
    error_code: str | None = None
    error_reason: str | None = None


class BulkEmailResult(BaseModel):
    """A bulk send: counts and one result per recipient, in the order given."""

    batch_id: str
    total: int
    sent: int
    failed: int
    results: list[EmailSendResult]


class DeliveryStatusView(BaseModel):
    """A stored delivery status, as `track_delivery_status` answers it."""

    message_id: str
    channel: str
    recipient: str
    status: str
    subject: str | None = None
    attempts: int
    error_code: str | None = None
    error_reason: str | None = None
    provider_message_id: str | None = None
    batch_id: str | None = None
    updated_at: dt.datetime
