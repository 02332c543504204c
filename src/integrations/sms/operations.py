"""SMS operations: send one, send many, read a message's status.

Each number is validated first (`validate_phone_number`): an invalid one is stored as
failed with its reason and never published. The size is checked against SNS's 1,600 bytes.
Publishing goes through the pipeline: the limiter (the configured per-second rate, on the
shared state store), retries of throttling and 5xx, the breaker, call records. Each message
is stored queued, then sent or failed, and logged with the number masked.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence

from integrations.actions.progress import map_with_progress
from integrations.core.context import DRY_RUN, Priority
from integrations.core.dry_run import DryRunCaptured
from integrations.errors import IntegrationError
from integrations.logging import get_logger
from integrations.sms.client import SmsIntegration
from integrations.sms.message import measure_sms
from integrations.sms.models import BulkSmsResult, SmsMessage, SmsSendResult
from integrations.sms.phone import mask_phone, validate_phone_number
from integrations.storage.repositories.deliveries import DeliveryLog, DeliveryRecord

__all__ = ["send_bulk_sms", "send_sms", "track_delivery_status"]

_log = get_logger()


def _preview(client: SmsIntegration, messages: Sequence[SmsMessage]) -> dict[str, object]:
    """What a dry run shows: each message as it would be published, numbers masked."""
    shown = []
    for message in messages:
        check = validate_phone_number(message.to, message.default_region)
        entry: dict[str, object] = {
            "to": mask_phone(check.e164 or message.to),
            "message": message.message,
            "sms_type": message.sms_type,
            "sender_id": message.sender_id or client.sender_id,
        }
        try:
            entry["parts"] = measure_sms(message.message).parts
        except IntegrationError as exc:
            entry["would_fail"] = exc.message
        if not check.valid:
            entry["would_fail"] = f"invalid phone number: {check.reason}"
        shown.append(entry)
    return {
        "method": "POST",
        "url": f"{client.spec.base_url}/ (SNS Publish)",
        "headers": {"region": client.region},
        "json": {"count": len(shown), "messages": shown},
    }


async def _send(
    client: SmsIntegration,
    message: SmsMessage,
    deliveries: DeliveryLog,
    *,
    batch_id: str | None,
    priority: Priority,
) -> SmsSendResult:
    check = validate_phone_number(message.to, message.default_region)
    record = DeliveryRecord(
        message_id=str(uuid.uuid4()),
        channel="sms",
        recipient=mask_phone(check.e164 or message.to),
        status="queued",
        batch_id=batch_id,
    )
    parts = 0
    if not check.valid or check.e164 is None:
        record = dataclasses.replace(
            record, status="failed", error_code="invalid_phone_number", error_reason=check.reason
        )
    else:
        try:
            parts = measure_sms(message.message).parts
        except IntegrationError as exc:  # too long: refused before anything is sent
            record = dataclasses.replace(
                record, status="failed", error_code=exc.code, error_reason=exc.message
            )
        else:
            await deliveries.save(record)
            outcome = await client.publish(
                check.e164,
                message.message,
                sms_type=message.sms_type,
                sender_id=message.sender_id,
                priority=priority,
            )
            error = outcome.error
            record = dataclasses.replace(
                record,
                status="sent" if error is None else "failed",
                attempts=outcome.attempts,
                provider_message_id=outcome.message_id,
                error_code=None if error is None else error.code,
                error_reason=None if error is None else error.message[:500],
            )
    await deliveries.save(record)
    (_log.info if record.status == "sent" else _log.warning)(
        f"sms.message_{record.status}",
        message_id=record.message_id,
        recipient=record.recipient,
        status=record.status,
        attempts=record.attempts,
        parts=parts,
        code=record.error_code,
        reason=record.error_reason,
        batch_id=batch_id,
    )
    return SmsSendResult(
        message_id=record.message_id,
        recipient=record.recipient,
        status="sent" if record.status == "sent" else "failed",
        attempts=record.attempts,
        parts=parts,
        provider_message_id=record.provider_message_id,
        error_code=record.error_code,
        error_reason=record.error_reason,
    )


async def send_sms(
    client: SmsIntegration, message: SmsMessage, *, deliveries: DeliveryLog
) -> SmsSendResult:
    """Validate and publish one SMS; its result (sent, or failed with a reason).

    Raises:
        DryRunCaptured: inside `dry_run()`, with the message as it would be published.
    """
    if DRY_RUN.get():
        raise DryRunCaptured(_preview(client, [message]))
    return await _send(client, message, deliveries, batch_id=None, priority="interactive")


async def send_bulk_sms(
    client: SmsIntegration,
    messages: Sequence[SmsMessage],
    *,
    deliveries: DeliveryLog,
    concurrency: int = 10,
) -> BulkSmsResult:
    """Publish `messages`, `concurrency` at a time, as background work under the limiter;
    one result per message, in order."""
    if DRY_RUN.get():
        raise DryRunCaptured(_preview(client, messages))
    batch_id = uuid.uuid4().hex

    async def one(message: SmsMessage) -> SmsSendResult:
        return await _send(client, message, deliveries, batch_id=batch_id, priority="background")

    results = await map_with_progress(messages, one, concurrency=concurrency)
    sent = sum(r.status == "sent" for r in results)
    failed = len(results) - sent
    _log.info("sms.bulk_finished", batch_id=batch_id, total=len(results), sent=sent, failed=failed)
    return BulkSmsResult(
        batch_id=batch_id, total=len(results), sent=sent, failed=failed, results=results
    )


async def track_delivery_status(deliveries: DeliveryLog, message_id: str) -> DeliveryRecord | None:
    """The stored status of `message_id` (None when no message has that id)."""
    record = await deliveries.get(message_id)
    _log.info(
        "sms.status_read",
        message_id=message_id,
        status=None if record is None else record.status,
        recipient=None if record is None else record.recipient,
    )
    return record
