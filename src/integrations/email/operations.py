"""Email operations: send one, send many, read a message's status, render a template.

Every message is rendered (and its template checked) before anything is sent; a bulk send
renders all of them first, so a missing variable stops the batch with nothing sent. An
address that is malformed or refused by the server fails only its own message. Each message
is stored queued, then sent or failed (`DeliveryLog`), and logged with the recipient's local
part masked, the subject and the status.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence

from integrations.actions.progress import map_with_progress
from integrations.core.context import DRY_RUN, Priority
from integrations.core.dry_run import DryRunCaptured
from integrations.email.client import EmailIntegration
from integrations.email.mime import PreparedEmail, dry_run_request, prepare
from integrations.email.models import BulkEmailResult, EmailMessage, EmailSendResult
from integrations.email.presets import is_address
from integrations.logging import get_logger
from integrations.storage.repositories.deliveries import DeliveryLog, DeliveryRecord

__all__ = ["send_bulk_email", "send_email", "track_delivery_status"]

_log = get_logger()


async def _deliver(
    client: EmailIntegration,
    prepared: PreparedEmail,
    deliveries: DeliveryLog,
    *,
    batch_id: str | None,
    priority: Priority,
) -> EmailSendResult:
    base = DeliveryRecord(
        message_id=prepared.message_id,
        channel="email",
        recipient=prepared.masked,
        status="queued",
        subject=prepared.subject[:300],
        batch_id=batch_id,
    )
    if not is_address(prepared.to):
        # Never handed to the server: it would refuse it, or worse, guess a mailbox.
        record = dataclasses.replace(
            base,
            status="failed",
            error_code="invalid_address",
            error_reason="not an email address (local@domain.tld)",
        )
    else:
        await deliveries.save(base)
        outcome = await client.deliver(prepared.mime, prepared.to, priority=priority)
        record = dataclasses.replace(
            base,
            status=outcome.status,
            attempts=outcome.attempts,
            error_code=outcome.error_code,
            error_reason=outcome.error_reason,
            provider_message_id=outcome.provider_message_id,
        )
    await deliveries.save(record)
    (_log.info if record.status == "sent" else _log.warning)(
        f"email.message_{record.status}",
        message_id=record.message_id,
        recipient=record.recipient,
        subject=record.subject,
        status=record.status,
        attempts=record.attempts,
        code=record.error_code,
        reason=record.error_reason,
        batch_id=batch_id,
    )
    return EmailSendResult(
        message_id=record.message_id,
        recipient=record.recipient,
        status=record.status,
        attempts=record.attempts,
        error_code=record.error_code,
        error_reason=record.error_reason,
    )


async def send_email(
    client: EmailIntegration, message: EmailMessage, *, deliveries: DeliveryLog
) -> EmailSendResult:
    """Render and send one message; its result (sent or failed with code and reason).

    Raises:
        TemplateVariableError / TemplateRenderError: before anything is sent.
        DryRunCaptured: inside `dry_run()`, with the rendered message (recipient masked).
    """
    prepared = prepare(client, message, str(uuid.uuid4()))
    if DRY_RUN.get():
        raise DryRunCaptured(dry_run_request(client, [prepared]))
    return await _deliver(client, prepared, deliveries, batch_id=None, priority="interactive")


async def send_bulk_email(
    client: EmailIntegration,
    messages: Sequence[EmailMessage],
    *,
    deliveries: DeliveryLog,
    concurrency: int = 5,
) -> BulkEmailResult:
    """Send `messages`, `concurrency` at a time, as background work (the limiter keeps a
    share of the budget for interactive sends); one result per message, in order.

    Raises:
        TemplateVariableError / TemplateRenderError: some message's template (its index is
            named); nothing was sent.
    """
    batch_id = uuid.uuid4().hex
    prepared = [prepare(client, m, str(uuid.uuid4()), index=i) for i, m in enumerate(messages)]
    if DRY_RUN.get():
        raise DryRunCaptured(dry_run_request(client, prepared))

    async def one(item: PreparedEmail) -> EmailSendResult:
        return await _deliver(client, item, deliveries, batch_id=batch_id, priority="background")

    results = await map_with_progress(prepared, one, concurrency=concurrency)
    sent = sum(r.status == "sent" for r in results)
    _log.info(
        "email.bulk_finished",
        batch_id=batch_id,
        total=len(results),
        sent=sent,
        failed=len(results) - sent,
    )
    return BulkEmailResult(
        batch_id=batch_id,
        total=len(results),
        sent=sent,
        failed=len(results) - sent,
        results=results,
    )


async def track_delivery_status(deliveries: DeliveryLog, message_id: str) -> DeliveryRecord | None:
    """The stored status of `message_id` (None when no message has that id)."""
    record = await deliveries.get(message_id)
    _log.info(
        "email.status_read",
        message_id=message_id,
        status=None if record is None else record.status,
        recipient=None if record is None else record.recipient,
    )
    return record
