"""The database side of the webhook manager: subscriptions with encrypted secrets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select

from integrations.errors import IntegrationError
from integrations.services import Services
from integrations.storage.tables import utcnow
from integrations.storage.tables_inbound import WebhookSubscriptionRow
from integrations.typeform.models import Webhook

__all__ = ["ROTATION_GRACE", "NoSubscriptionError", "SubscriptionStore"]

S = WebhookSubscriptionRow
# After a new secret is set, deliveries signed with the old one (already in flight, or retried
# by Typeform) still verify for this long.
ROTATION_GRACE = dt.timedelta(hours=1)


class NoSubscriptionError(IntegrationError):
    """The form has no webhook subscription of ours."""

    http_status = 404
    code = "no_subscription"


class SubscriptionStore:
    """Reads and writes our Typeform subscriptions (one per form and tag)."""

    def __init__(self, services: Services, tag: str) -> None:
        self._services = services
        self._tag = tag

    def _key(self, form_id: str) -> Any:
        return (S.integration == "typeform", S.resource_id == form_id, S.tag == self._tag)

    async def get(self, form_id: str) -> WebhookSubscriptionRow | None:
        async with self._services.db.sessions() as session:
            row: WebhookSubscriptionRow | None = await session.scalar(
                select(S).where(*self._key(form_id))
            )
            return row

    async def require(self, form_id: str) -> WebhookSubscriptionRow:
        row = await self.get(form_id)
        if row is None:
            raise NoSubscriptionError(
                f"form {form_id} has no webhook set up by us", integration="typeform"
            )
        return row

    def secret_of(self, row: WebhookSubscriptionRow) -> str | None:
        return self._services.box.decrypt(row.secret) if row.secret else None

    async def save(self, form_id: str, hook: Webhook, secret: str) -> None:
        """Create or replace the subscription of `form_id`; a replaced secret stays valid
        as the previous one for `ROTATION_GRACE`."""
        now = utcnow()
        async with self._services.db.sessions.begin() as session:
            row = await session.scalar(select(S).where(*self._key(form_id)).with_for_update())
            if row is None:
                row = S(integration="typeform", resource_id=form_id, tag=self._tag, created_at=now)
                session.add(row)
            row.remote_id, row.url, row.enabled = hook.id, hook.url, hook.enabled
            row.verify_ssl = hook.verify_ssl
            row.status = "active" if hook.enabled else "disabled"
            if row.secret and self.secret_of(row) != secret:
                row.previous_secret = row.secret
                row.previous_secret_expires_at = now + ROTATION_GRACE
            row.secret = self._services.box.encrypt(secret)
            row.updated_at = row.last_checked_at = now

    async def update(self, form_id: str, **fields: Any) -> None:
        async with self._services.db.sessions.begin() as session:
            row = await session.scalar(select(S).where(*self._key(form_id)).with_for_update())
            if row is None:
                raise NoSubscriptionError(
                    f"form {form_id} has no webhook set up by us", integration="typeform"
                )
            for name, value in fields.items():
                setattr(row, name, value)
            row.status = "active" if row.enabled else "disabled"
            row.updated_at = utcnow()

    async def delete(self, form_id: str) -> bool:
        async with self._services.db.sessions.begin() as session:
            result = await session.execute(delete(S).where(*self._key(form_id)))
            return bool(getattr(result, "rowcount", 0))
