"""The SMS connector's operations, declared once (REST actions, `integrations call`, MCP).

Sends are writes: MCP refuses them until allowed, and a dry run answers each message as it
would be published (numbers masked, parts counted, invalid numbers marked) without calling
SNS. Statuses are stored in the database when run through a factory with one.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from integrations.actions.declaration import ActionContext, OperationSpec
from integrations.email.models import DeliveryStatusView
from integrations.errors import NotFoundError
from integrations.sms import operations
from integrations.sms.client import SmsIntegration
from integrations.sms.models import BulkSmsResult, SmsMessage, SmsSendResult
from integrations.sms.phone import validate_phone_number
from integrations.storage.repositories.deliveries import DatabaseDeliveryLog, DeliveryLog

__all__ = ["TOOLS", "BulkSmsInput", "TrackSmsInput", "ValidatePhoneInput"]


class BulkSmsInput(BaseModel):
    """Arguments of `send_bulk_sms`."""

    model_config = ConfigDict(extra="forbid")

    messages: list[SmsMessage] = Field(min_length=1, max_length=10_000)
    concurrency: int = Field(default=10, ge=1, le=50, description="messages in flight at once")


class TrackSmsInput(BaseModel):
    """Arguments of `track_delivery_status`."""

    model_config = ConfigDict(extra="forbid")

    message_id: str = Field(pattern=r"^[A-Za-z0-9\-]{1,64}$", description="from a send result")


class ValidatePhoneInput(BaseModel):
    """Arguments of `validate_phone_number`."""

    model_config = ConfigDict(extra="forbid")

    number: str = Field(min_length=1, max_length=64)
    default_region: str = Field(default="KR", pattern=r"^[A-Z]{2}$")


class PhoneView(BaseModel):
    """A checked number: E.164 when valid, else the reason."""

    valid: bool
    e164: str | None
    reason: str | None


def _client(context: ActionContext) -> SmsIntegration:
    return context.client_as(SmsIntegration)


def _deliveries(context: ActionContext) -> DeliveryLog:
    if context.services is not None:
        return DatabaseDeliveryLog(context.services.db)
    return _client(context).deliveries


async def _send(context: ActionContext, arguments: SmsMessage) -> SmsSendResult:
    return await operations.send_sms(_client(context), arguments, deliveries=_deliveries(context))


async def _send_bulk(context: ActionContext, arguments: BulkSmsInput) -> BulkSmsResult:
    return await operations.send_bulk_sms(
        _client(context),
        arguments.messages,
        deliveries=_deliveries(context),
        concurrency=arguments.concurrency,
    )


async def _track(context: ActionContext, arguments: TrackSmsInput) -> DeliveryStatusView:
    record = await operations.track_delivery_status(_deliveries(context), arguments.message_id)
    if record is None or record.channel != "sms":
        raise NotFoundError(f"no SMS message {arguments.message_id}", provider="sms")
    return DeliveryStatusView.model_validate(record, from_attributes=True)


async def _validate(context: ActionContext, arguments: ValidatePhoneInput) -> PhoneView:
    check = validate_phone_number(arguments.number, arguments.default_region)
    return PhoneView(valid=check.valid, e164=check.e164, reason=check.reason)


_EXAMPLE = {"to": "+821012345678", "message": "Your code is 123456", "sms_type": "Transactional"}

TOOLS: list[OperationSpec] = [
    OperationSpec(
        integration="sms",
        action="send_sms",
        description="Send one SMS through AWS SNS (number validated first).",
        input_model=SmsMessage,
        output_model=SmsSendResult,
        writes=True,
        run=_send,
        example=_EXAMPLE,
    ),
    OperationSpec(
        integration="sms",
        action="send_bulk_sms",
        description="Send many SMS under the rate limit; one result per recipient.",
        input_model=BulkSmsInput,
        output_model=BulkSmsResult,
        writes=True,
        run=_send_bulk,
        example={"messages": [_EXAMPLE], "concurrency": 10},
        results="results",
    ),
    OperationSpec(
        integration="sms",
        action="track_delivery_status",
        description="The stored delivery status of one sent SMS.",
        input_model=TrackSmsInput,
        output_model=DeliveryStatusView,
        writes=False,
        run=_track,
        example={"message_id": "0b0c6f4e-2f6f-4c38-9e55-3f1c2f0d9a11"},
    ),
    OperationSpec(
        integration="sms",
        action="validate_phone_number",
        description="Check a phone number and give its E.164 form (default region KR).",
        input_model=ValidatePhoneInput,
        output_model=PhoneView,
        writes=False,
        run=_validate,
        example={"number": "010-1234-5678"},
    ),
]
