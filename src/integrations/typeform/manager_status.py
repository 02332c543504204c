"""Status and repair of form webhooks: compare Typeform with our database, fix drift."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from integrations.storage.tables import utcnow
from integrations.typeform import operations as ops
from integrations.typeform.models import Webhook, WebhookUpdate

if TYPE_CHECKING:
    from integrations.typeform.manager import WebhookManager

__all__ = ["SyncReport", "WebhookStatus", "comprehensive_status", "synchronize"]


@dataclass(frozen=True, slots=True)
class WebhookStatus:
    """Typeform's view and ours of one form's webhook, and what disagrees."""

    form_id: str
    webhook_exists: bool
    remote: Webhook | None
    database_status: str
    database_url: str | None
    enabled: bool | None
    secret_set: bool
    synchronized: bool
    issues: list[str]
    last_checked: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "form_id": self.form_id,
            "webhook_exists": self.webhook_exists,
            "remote_url": self.remote.url if self.remote else None,
            "database_status": self.database_status,
            "database_url": self.database_url,
            "enabled": self.enabled,
            "secret_set": self.secret_set,
            "synchronized": self.synchronized,
            "issues": self.issues,
            "last_checked": self.last_checked.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What `synchronize_webhook_status` changed."""

    form_id: str
    changes: list[str] = field(default_factory=list)
    status: WebhookStatus | None = None


async def comprehensive_status(manager: WebhookManager, form_id: str) -> WebhookStatus:
    """Compare the webhook at Typeform with our subscription and list every issue."""
    remote = await ops.get_webhook(manager.client, form_id, manager.tag)
    row = await manager.store.get(form_id)
    issues: list[str] = []
    if row is None and remote is not None:
        issues.append("webhook exists at Typeform but not in the database")
    if row is not None and remote is None:
        issues.append("webhook is in the database but missing at Typeform")
    if row is not None and remote is not None:
        if remote.url != row.url:
            issues.append(f"URL differs: Typeform {remote.url!r}, database {row.url!r}")
        if remote.enabled != row.enabled:
            issues.append(f"enabled differs: Typeform {remote.enabled}, database {row.enabled}")
        if remote.verify_ssl != row.verify_ssl:
            issues.append(
                f"verify_ssl differs: Typeform {remote.verify_ssl}, database {row.verify_ssl}"
            )
        # Typeform echoes the secret on reads; one we do not hold means deliveries fail.
        if (
            remote.secret is not None
            and row.secret
            and remote.secret != manager.store.secret_of(row)
        ):
            issues.append("secret differs: deliveries would fail verification")
    if row is not None and not row.secret:
        issues.append("no secret stored: deliveries cannot be verified")
    status = WebhookStatus(
        form_id=form_id,
        webhook_exists=remote is not None,
        remote=remote,
        database_status=row.status if row else "missing",
        database_url=row.url if row else None,
        enabled=remote.enabled if remote else None,
        secret_set=bool(row and row.secret),
        synchronized=not issues and row is not None,
        issues=issues,
        last_checked=utcnow(),
    )
    if row is not None:
        await manager.store.update(
            form_id, last_checked_at=status.last_checked, details={"issues": issues}
        )
    return status


async def synchronize(manager: WebhookManager, form_id: str) -> SyncReport:
    """Repair drift in either direction; the database is the intended state.

    Recorded in the audit trail as `synchronize` even when nothing needed repair.
    """
    status = await comprehensive_status(manager, form_id)
    row = await manager.store.get(form_id)
    changes: list[str] = []

    async def repair() -> Webhook | None:
        if row is None and status.remote is not None:
            # Adopt it: its secret is unknown to us, so it gets a new one that we store.
            hook = await manager.setup_onboarding_form_webhook(form_id, url=status.remote.url)
            changes.append("adopted the Typeform webhook with a new secret")
            return hook
        if row is None or (status.remote is not None and not status.issues):
            return status.remote
        secret = manager.store.secret_of(row) or secrets.token_urlsafe(32)
        update = WebhookUpdate(
            url=row.url, enabled=row.enabled, secret=secret, verify_ssl=row.verify_ssl
        )
        hook = await ops.put_webhook(manager.client, form_id, manager.tag, update)
        if not row.secret:
            await manager.store.save(form_id, hook, secret)
        await manager.store.update(form_id, remote_id=hook.id)
        changes.extend(f"repaired: {issue}" for issue in status.issues)
        return hook

    url = row.url if row is not None else status.remote.url if status.remote else None
    await manager.audit("synchronize", form_id, url, repair)
    final = await comprehensive_status(manager, form_id) if changes else status
    return SyncReport(form_id, changes, final)
