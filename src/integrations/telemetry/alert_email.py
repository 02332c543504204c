"""Alert notices by email, sent through the email connector (`integrations.email`).

The connector must be enabled and configured like any integration (`PATCH
/api/v1/integrations/email`); until it is, each notice's email delivery is recorded as
`unavailable` with the reason, never silently dropped. The alert text goes in as a template
variable, never as template source, so a vendor message holding `{{ ... }}` cannot inject
template code into the mail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from integrations.errors import IntegrationError
from integrations.telemetry.alert_channels import Delivery

if TYPE_CHECKING:
    from integrations.services import Services

__all__ = ["ConnectorEmailSender"]

_SUBJECT = "{{ subject }}"
_BODY = "{{ text }}"


def _compose(event_type: str, data: dict[str, Any]) -> dict[str, str]:
    """Subject and text of one notice, as template variables (rendered as data)."""
    what = " ".join(str(data[k]) for k in ("kind", "integration") if data.get(k))
    lines = [str(data.get("message", event_type)), ""]
    lines += [f"{k}: {data[k]}" for k in ("severity", "status", "id", "created_at") if k in data]
    return {"subject": f"[integrations] {event_type}: {what}".strip(), "text": "\n".join(lines)}


class ConnectorEmailSender:
    """Sends one notice to every recipient through this process's email integration."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def __call__(
        self, recipients: tuple[str, ...], event_type: str, data: dict[str, Any]
    ) -> Delivery:
        # Imported here: the factory builds alert managers itself (import cycle otherwise).
        from integrations.email.client import EmailIntegration
        from integrations.email.models import EmailMessage
        from integrations.email.operations import send_bulk_email
        from integrations.factory import IntegrationFactory
        from integrations.storage.repositories.deliveries import DatabaseDeliveryLog

        factory = IntegrationFactory(self._services)
        try:
            client = await factory.get("email")
            if not isinstance(client, EmailIntegration):  # pragma: no cover - registry wiring
                return Delivery("email", "unavailable", "no email client", 0, event_type)
            variables = _compose(event_type, data)
            messages = [
                EmailMessage(to=to, subject=_SUBJECT, body=_BODY, variables=variables)
                for to in recipients
            ]
            result = await send_bulk_email(
                client, messages, deliveries=DatabaseDeliveryLog(self._services.db)
            )
        except IntegrationError as exc:
            return Delivery(
                "email", "unavailable", f"email integration: {exc.message}", 0, event_type
            )
        finally:
            await factory.close()
        failed = [
            f"{r.recipient}: {r.error_reason or r.status}"
            for r in result.results
            if r.status != "sent"
        ]
        if failed:
            detail = f"{result.sent} of {result.total} sent; " + "; ".join(failed)
            return Delivery("email", "failed", detail[:500], 1, event_type)
        return Delivery("email", "sent", f"{result.sent} recipient(s)", 1, event_type)
