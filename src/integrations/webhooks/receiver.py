"""The receiving side: verify, dedupe, store, then acknowledge.

Nothing is stored or processed before verification succeeds, and a delivery for an
integration without any secret is refused like a bad signature: nothing is ever accepted
unverified. Refusals are counted and logged without the payload.

What the columns cannot hold is settled before the insert, so it never fails a group
commit: an event id (or dedupe key) over 200 characters, or with characters PostgreSQL text
cannot hold (NUL, an unpaired surrogate a JSON body can spell), is stored as
`id-sha256:<hex>`; an event type over 128 characters or with such characters is refused
with 400, since truncating it could route the event to another type's handlers.

A delivery waits for the database no longer than the statement timeout: then it is answered
503 with `Retry-After` (the vendor retries; nothing unstored is acknowledged), and the
database's availability logs the outage once.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from integrations.config import WebhookSettings
from integrations.errors import IntegrationDisabledError, IntegrationError, WebhookSignatureError
from integrations.logging import current_trace_id, get_logger, redact
from integrations.registry import CONNECTORS
from integrations.storage.availability import is_outage
from integrations.webhooks.inbox import IncomingEvent, WebhookInbox
from integrations.webhooks.schemes import SCHEMES, Verified
from integrations.webhooks.secrets import SecretResolver

__all__ = [
    "EVENT_ID_MAX",
    "EVENT_TYPE_MAX",
    "EventTypeRefusedError",
    "Receipt",
    "UnknownWebhookSourceError",
    "WebhookReceiver",
]

_log = get_logger()
EVENT_ID_MAX = 200  # webhook_events.event_id and dedupe_key
EVENT_TYPE_MAX = 128  # webhook_events.event_type


class UnknownWebhookSourceError(IntegrationError):
    """No integration of that name receives webhooks."""

    http_status = 404
    code = "unknown_integration"


class EventTypeRefusedError(IntegrationError):
    """A verified delivery's event type cannot be stored as it is; nothing was stored."""

    http_status = 400
    code = "invalid_event_type"


def _storable(value: str) -> bool:
    # PostgreSQL text holds neither NUL nor anything that is not valid UTF-8.
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def stored_id(value: str) -> str:
    """`value` when the column holds it as it is, else its digest (stable, so still deduped)."""
    if len(value) <= EVENT_ID_MAX and _storable(value):
        return value
    return "id-sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def stored_type(value: str | None) -> str | None:
    """`value` when the column holds it as it is.

    Raises:
        EventTypeRefusedError: over `EVENT_TYPE_MAX` characters, or not storable text.
    """
    if value is None:
        return None
    if len(value) > EVENT_TYPE_MAX:
        raise EventTypeRefusedError(
            f"event type of {len(value)} characters refused: at most {EVENT_TYPE_MAX} are "
            "stored; nothing was stored"
        )
    if not _storable(value):
        raise EventTypeRefusedError(
            "event type holds a NUL or an unpaired surrogate; nothing was stored"
        )
    return value


@dataclass(frozen=True, slots=True)
class Receipt:
    """The acknowledgement of one stored (or duplicate) delivery."""

    event_id: str
    duplicate: bool


class WebhookReceiver:
    """Verifies and stores deliveries for every integration with a signature scheme."""

    def __init__(
        self, inbox: WebhookInbox, secrets: SecretResolver, settings: WebhookSettings
    ) -> None:
        self.inbox = inbox
        self.secrets = secrets
        self.settings = settings
        self.rejected: Counter[str] = Counter()
        self.accepted: Counter[str] = Counter()

    async def receive(
        self, integration: str, body: bytes, headers: Mapping[str, str], query: Mapping[str, str]
    ) -> Receipt:
        """Store one delivery durably and say whether it was new.

        Raises:
            UnknownWebhookSourceError: no such integration, or it receives no webhooks.
            WebhookSignatureError: verification failed (or no secret is configured).
            EventTypeRefusedError: verified, but its event type cannot be stored (400).
            DatabaseUnavailableError: no commit within the statement timeout (503).
        """
        info = CONNECTORS.get(integration)
        if info is None or info.webhook is None:
            raise UnknownWebhookSourceError(f"no webhook endpoint for {integration!r}")
        lowered = {k.lower(): v for k, v in headers.items()}
        database = self.inbox.database
        try:
            async with database.deadline():
                secrets = await self._secrets(integration)
                verified = self._verify(integration, info.webhook, body, lowered, query, secrets)
                event = self._incoming(integration, verified, lowered, body)
                stored = await self.inbox.store(event)
        except Exception as exc:
            if not is_outage(exc):
                raise
            raise database.unavailable(exc) from None
        database.availability.succeeded()
        self.accepted[integration] += 1
        _log.info(
            "webhook.received",
            integration=integration,
            event_id=event.event_id,
            event_type=event.event_type,
            duplicate=not stored,
        )
        return Receipt(event.event_id, duplicate=not stored)

    async def _secrets(self, integration: str) -> list[str]:
        try:
            return await self.secrets.secrets(integration)
        except IntegrationDisabledError as exc:
            # Refused like a bad signature (counted, logged), but 409: the vendor retries it.
            self.rejected[integration] += 1
            _log.warning("webhook.refused", integration=integration, reason=exc.message)
            raise

    def _verify(
        self,
        integration: str,
        scheme: str,
        body: bytes,
        headers: Mapping[str, str],
        query: Mapping[str, str],
        secrets: list[str],
    ) -> Verified:
        try:
            if not secrets:
                raise WebhookSignatureError("webhook refused: no webhook secret is configured")
            return SCHEMES[scheme].verify(
                body, headers, query, secrets, time.time(), self.settings.tolerance_seconds
            )
        except WebhookSignatureError as exc:
            self.rejected[integration] += 1
            _log.warning(
                "webhook.rejected",
                integration=integration,
                reason=exc.message,
                body_bytes=len(body),
            )
            raise

    def _incoming(
        self, integration: str, verified: Verified, headers: dict[str, str], body: bytes
    ) -> IncomingEvent:
        try:
            event_type = stored_type(verified.event_type)
        except EventTypeRefusedError as exc:
            self.rejected[integration] += 1
            _log.warning("webhook.refused", integration=integration, reason=exc.message)
            raise
        return IncomingEvent(
            integration,
            stored_id(verified.event_id),
            event_type,
            redact(headers),
            body,
            current_trace_id(),
            dedupe_key=stored_id(verified.dedupe_key),
        )
