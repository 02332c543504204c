"""Payloads of the SMS operations (pydantic, at the boundary)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["SENDER_ID_PATTERN", "BulkSmsResult", "SmsMessage", "SmsSendResult"]

SENDER_ID_PATTERN = r"^[A-Za-z0-9]{3,11}$"  # and at least one letter (a validator)


class SmsMessage(BaseModel):
    """One SMS. `to` is any written form of a number (validated per message, so a bad one
    fails only itself in a bulk send)."""

    model_config = ConfigDict(extra="forbid")

    to: str = Field(min_length=1, max_length=64, description="phone number (E.164 or local)")
    message: str = Field(min_length=1, max_length=1600, description="text, <= 1,600 bytes")
    sms_type: Literal["Transactional", "Promotional"] = "Transactional"
    sender_id: str | None = Field(
        default=None, pattern=SENDER_ID_PATTERN, description="3-11 letters/digits, >= 1 letter"
    )
    default_region: str = Field(
        default="KR", pattern=r"^[A-Z]{2}$", description="country of numbers without +"
    )

    @field_validator("sender_id")
    @classmethod
    def _sender_has_letter(cls, value: str | None) -> str | None:
        if value is not None and value.isdigit():
            raise ValueError("a sender id needs at least one letter (SNS rule)")
        return value


class SmsSendResult(BaseModel):
    """What happened to one SMS (the number masked)."""

    message_id: str
    recipient: str
    status: Literal["sent", "failed"]
    attempts: int
    parts: int = 0
    provider_message_id: str | None = None
    error_code: str | None = None
    error_reason: str | None = None


class BulkSmsResult(BaseModel):
    """A bulk send: counts and one result per recipient, in the order given."""

    batch_id: str
    total: int
    sent: int
    failed: int
    results: list[SmsSendResult]
