"""`WebhookManager`: set up, change, inspect and repair Typeform form webhooks.

Every operation is recorded in `webhook_operations` (the audit trail), the subscription and
its encrypted secret live in `webhook_subscriptions`, and a failure on one side is undone
on the other, so the database and Typeform never disagree because of us. When they drift
apart anyway (someone edits the form in Typeform), `synchronize_webhook_status` repairs it.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import TypeVar

from integrations.errors import IntegrationError
from integrations.services import Services
from integrations.storage.tables import utcnow
from integrations.storage.tables_inbound import WebhookOperationRow, WebhookSubscriptionRow
from integrations.typeform import operations as ops
from integrations.typeform.client import TypeformIntegration
from integrations.typeform.exceptions import WebhookConfigurationError
from integrations.typeform.manager_status import (
    SyncReport,
    WebhookStatus,
    comprehensive_status,
    synchronize,
)
from integrations.typeform.manager_store import SubscriptionStore
from integrations.typeform.models import EventTypes, Webhook, WebhookUpdate

__all__ = ["DEFAULT_TAG", "WebhookManager"]

DEFAULT_TAG = "integrations"
T = TypeVar("T")


class WebhookManager:
    """Manages the webhooks of Typeform forms for one account.

    Args:
        client: the Typeform client (its limiter keeps us within 2 requests/second).
        services: database and secret box.
        tag: the tag that marks our webhooks on each form.
        verify_ssl: ask Typeform to verify our TLS certificate.
    """

    def __init__(
        self,
        client: TypeformIntegration,
        services: Services,
        *,
        tag: str = DEFAULT_TAG,
        verify_ssl: bool = True,
    ) -> None:
        self.client = client
        self.services = services
        self.tag = tag
        self.verify_ssl = verify_ssl
        self.store = SubscriptionStore(services, tag)

    @property
    def default_url(self) -> str:
        """Our receiving endpoint as vendors reach it."""
        return f"{self.services.settings.public_url}/api/v1/webhooks/typeform"

    async def audit(
        self, operation: str, form_id: str, url: str | None, action: Callable[[], Awaitable[T]]
    ) -> T:
        """Run `action` and record its outcome, success or failure."""
        try:
            result = await action()
        except Exception as exc:
            await self._record(operation, form_id, url, None, str(exc)[:500])
            if isinstance(exc, IntegrationError):
                raise
            raise WebhookConfigurationError(
                f"{operation} failed for form {form_id}: {exc}", integration="typeform"
            ) from exc
        webhook_id = result.id if isinstance(result, Webhook) else None
        await self._record(operation, form_id, url, webhook_id, None)
        return result

    async def _record(
        self,
        operation: str,
        form_id: str,
        url: str | None,
        webhook_id: str | None,
        error: str | None,
    ) -> None:
        async with self.services.db.sessions.begin() as session:
            session.add(
                WebhookOperationRow(
                    integration="typeform",
                    operation=operation,
                    resource_id=form_id,
                    url=url,
                    webhook_id=webhook_id,
                    success=error is None,
                    error=error,
                    created_at=utcnow(),
                )
            )

    async def setup_onboarding_form_webhook(
        self, form_id: str, *, url: str | None = None
    ) -> Webhook:
        """Create or replace our webhook on `form_id` with a fresh secret (a rotation: the
        previous secret still verifies for `ROTATION_GRACE`).

        The form must exist and the account must be allowed to manage it. PUT replaces the
        webhook in place, so a failed PUT leaves the old one working; a failure to store the
        subscription puts the previous webhook back, or deletes the new one if there was none.
        """
        target = url or self.default_url

        async def setup() -> Webhook:
            await ops.get_form(self.client, form_id)  # exists, and we may manage it
            before = await ops.get_webhook(self.client, form_id, self.tag)
            row = await self.store.get(form_id) if before is not None else None
            secret = secrets.token_urlsafe(32)
            hook = await ops.put_webhook(
                self.client,
                form_id,
                self.tag,
                WebhookUpdate(url=target, enabled=True, secret=secret, verify_ssl=self.verify_ssl),
            )
            try:
                await self.store.save(form_id, hook, secret)
            except Exception:
                await self._restore(form_id, before, row)  # roll back the remote side
                raise
            return hook

        return await self.audit("setup", form_id, target, setup)

    async def _restore(
        self, form_id: str, before: Webhook | None, row: WebhookSubscriptionRow | None
    ) -> None:
        """Put back the webhook that existed before a failed setup, or delete ours."""
        if before is None:
            await ops.delete_webhook(self.client, form_id, self.tag)
            return
        old_secret = before.secret or (self.store.secret_of(row) if row is not None else None)
        await ops.put_webhook(
            self.client,
            form_id,
            self.tag,
            WebhookUpdate(
                url=before.url,
                enabled=before.enabled,
                secret=old_secret,
                verify_ssl=before.verify_ssl,
                event_types=before.event_types or EventTypes(),
            ),
        )

    async def _replace(
        self, form_id: str, operation: str, *, url: str | None = None, enabled: bool | None = None
    ) -> Webhook:
        async def change() -> Webhook:
            row = await self.store.require(form_id)
            target = url or row.url
            state = row.enabled if enabled is None else enabled
            secret = self.store.secret_of(row)
            hook = await ops.put_webhook(
                self.client,
                form_id,
                self.tag,
                WebhookUpdate(url=target, enabled=state, secret=secret, verify_ssl=row.verify_ssl),
            )
            try:
                await self.store.update(form_id, url=target, enabled=state, remote_id=hook.id)
            except Exception:
                await ops.put_webhook(
                    self.client,
                    form_id,
                    self.tag,
                    WebhookUpdate(
                        url=row.url, enabled=row.enabled, secret=secret, verify_ssl=row.verify_ssl
                    ),
                )
                raise
            return hook

        known = await self.store.get(form_id)
        return await self.audit(operation, form_id, url or (known.url if known else None), change)

    async def update_webhook_url(self, form_id: str, url: str) -> Webhook:
        """Point the form's webhook at `url`."""
        return await self._replace(form_id, "update_url", url=url)

    async def disable_webhook(self, form_id: str) -> Webhook:
        """Stop deliveries without losing the configuration."""
        return await self._replace(form_id, "disable", enabled=False)

    async def enable_webhook(self, form_id: str) -> Webhook:
        """Resume deliveries."""
        return await self._replace(form_id, "enable", enabled=True)

    async def delete_webhook_configuration(self, form_id: str) -> bool:
        """Delete the webhook at Typeform and its subscription here."""
        row: WebhookSubscriptionRow | None = await self.store.get(form_id)

        async def delete() -> bool:
            remote = await ops.delete_webhook(self.client, form_id, self.tag)
            local = await self.store.delete(form_id)
            return remote or local

        return await self.audit("delete", form_id, row.url if row else None, delete)

    async def get_comprehensive_webhook_status(self, form_id: str) -> WebhookStatus:
        """Compare the webhook at Typeform with our subscription and list every issue."""
        return await comprehensive_status(self, form_id)

    async def bulk_webhook_status_check(self, form_ids: list[str]) -> dict[str, WebhookStatus]:
        """Status of several forms (one after another: the 2/s budget is shared anyway)."""
        return {form_id: await comprehensive_status(self, form_id) for form_id in form_ids}

    async def synchronize_webhook_status(self, form_id: str) -> SyncReport:
        """Repair drift in either direction (the database is the intended state) and
        report what changed."""
        return await synchronize(self, form_id)
