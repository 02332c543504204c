"""The receiving side: verify, dedupe, store, then acknowledge.

Nothing is stored or processed before verification succeeds, and a delivery for an
integration without any secret is refused like a bad signature: nothing is ever accepted
unverified. Refusals are counted and logged without the payload.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from integrations.config import WebhookSettings
from integrations.errors import IntegrationError, WebhookSignatureError
from integrations.logging import current_trace_id, get_logger, redact
from integrations.registry import CONNECTORS
from integrations.webhooks.inbox import IncomingEvent, WebhookInbox
from integrations.webhooks.schemes import SCHEMES
from integrations.webhooks.secrets import SecretResolver

__all__ = ["Receipt", "UnknownWebhookSourceError", "WebhookReceiver"]

_log = get_logger()


class UnknownWebhookSourceError(IntegrationError):
    """No integration of that name receives webhooks."""

    http_status = 404
    code = "unknown_integration"


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
        """
        info = CONNECTORS.get(integration)
        if info is None or info.webhook is None:
            raise UnknownWebhookSourceError(f"no webhook endpoint for {integration!r}")
        lowered = {k.lower(): v for k, v in headers.items()}
        secrets = await self.secrets.secrets(integration)
        try:
            if not secrets:
                raise WebhookSignatureError("webhook refused: no webhook secret is configured")
            verified = SCHEMES[info.webhook].verify(
                body, lowered, query, secrets, time.time(), self.settings.tolerance_seconds
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
        stored = await self.inbox.store(
            IncomingEvent(
                integration,
                verified.event_id,
                verified.event_type,
                redact(lowered),
                body,
                current_trace_id(),
            )
        )
        self.accepted[integration] += 1
        _log.info(
            "webhook.received",
            integration=integration,
            event_id=verified.event_id,
            event_type=verified.event_type,
            duplicate=not stored,
        )
        return Receipt(verified.event_id, duplicate=not stored)
