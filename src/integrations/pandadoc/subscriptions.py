"""PandaDoc webhook subscriptions: the vendor side (`/webhook-subscriptions`) and ours.

Each subscription has a `shared_key` that signs its deliveries (`?signature=`). Storing the
subscription in `webhook_subscriptions` (key encrypted) is what lets our receiver verify
them; after `regenerate_webhook_shared_key` the old key keeps verifying for `ROTATION_GRACE`,
so deliveries already in flight are not refused. The receiver caches secrets for a couple
of seconds, so a new key is honoured shortly after it is stored.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select

from integrations.core.payloads import read_model
from integrations.core.urls import quote_segment
from integrations.errors import NotFoundError
from integrations.pandadoc.client import PandaDocIntegration
from integrations.pandadoc.events import (
    SharedKey,
    SubscriptionCreate,
    SubscriptionList,
    SubscriptionUpdate,
    WebhookSubscription,
)
from integrations.services import Services
from integrations.storage.tables import utcnow
from integrations.storage.tables_inbound import WebhookSubscriptionRow

__all__ = [
    "ROTATION_GRACE",
    "create_webhook_subscription",
    "delete_webhook_subscription",
    "forget_subscription",
    "get_webhook_subscription",
    "list_webhook_subscriptions",
    "regenerate_webhook_shared_key",
    "remember_subscription",
    "update_webhook_subscription",
]

HOOKS = "/public/v1/webhook-subscriptions"
ROTATION_GRACE = dt.timedelta(hours=1)
_RESOURCE = "workspace"  # subscriptions are per workspace; the uuid is the tag
S = WebhookSubscriptionRow


async def create_webhook_subscription(
    client: PandaDocIntegration, body: SubscriptionCreate
) -> WebhookSubscription:
    """Subscribe `body.url` (HTTPS) to `body.triggers`; the answer holds the `shared_key`.
    PandaDoc allows 300 subscriptions per workspace (400 beyond that)."""
    response = await client.request(
        "POST",
        HOOKS,
        operation="create_webhook_subscription",
        json=body.model_dump(mode="json", exclude_none=True),
    )
    return read_model(response, WebhookSubscription)


async def list_webhook_subscriptions(client: PandaDocIntegration) -> list[WebhookSubscription]:
    """Every subscription of the workspace."""
    response = await client.request(
        "GET", HOOKS, operation="list_webhook_subscriptions", cache_ttl=0
    )
    return read_model(response, SubscriptionList).items


async def get_webhook_subscription(
    client: PandaDocIntegration, subscription_id: str
) -> WebhookSubscription:
    """One subscription; NotFoundError when it does not exist."""
    response = await client.request(
        "GET",
        f"{HOOKS}/{quote_segment(subscription_id)}",
        operation="get_webhook_subscription",
        cache_ttl=0,
    )
    return read_model(response, WebhookSubscription)


async def update_webhook_subscription(
    client: PandaDocIntegration, subscription_id: str, changes: SubscriptionUpdate
) -> WebhookSubscription:
    """Change name, URL, triggers, payload or `active`; fields not given stay."""
    response = await client.request(
        "PATCH",
        f"{HOOKS}/{quote_segment(subscription_id)}",
        operation="update_webhook_subscription",
        json=changes.model_dump(mode="json", exclude_unset=True),
    )
    return read_model(response, WebhookSubscription)


async def delete_webhook_subscription(
    client: PandaDocIntegration, subscription_id: str, *, missing_ok: bool = False
) -> bool:
    """Delete a subscription; False when it was already gone and `missing_ok`."""
    try:
        await client.request(
            "DELETE",
            f"{HOOKS}/{quote_segment(subscription_id)}",
            operation="delete_webhook_subscription",
        )
    except NotFoundError:
        if not missing_ok:
            raise
        return False
    return True


async def regenerate_webhook_shared_key(client: PandaDocIntegration, subscription_id: str) -> str:
    """A new shared key for the subscription (the old one stops signing at once); store it
    with `remember_subscription` so deliveries keep verifying."""
    response = await client.request(
        "PATCH",
        f"{HOOKS}/{quote_segment(subscription_id)}/shared-key",
        operation="regenerate_webhook_key",
    )
    return read_model(response, SharedKey).shared_key


async def remember_subscription(
    services: Services, subscription: WebhookSubscription, *, shared_key: str | None = None
) -> None:
    """Store (or update) the subscription with its key encrypted, so the receiver verifies
    its deliveries; a replaced key stays valid as the previous one for `ROTATION_GRACE`."""
    key = shared_key or subscription.shared_key
    now = utcnow()
    where = (S.integration == "pandadoc", S.resource_id == _RESOURCE, S.tag == subscription.uuid)
    async with services.db.sessions.begin() as session:
        row = await session.scalar(select(S).where(*where).with_for_update())
        if row is None:
            row = S(integration="pandadoc", resource_id=_RESOURCE, tag=subscription.uuid)
            row.created_at = now
            session.add(row)
        row.remote_id, row.url, row.enabled = (
            subscription.uuid,
            subscription.url,
            subscription.active,
        )
        row.status = "active" if subscription.active else "disabled"
        row.details = {"triggers": subscription.triggers, "payload": subscription.payload}
        if key:
            if row.secret and services.box.decrypt(row.secret) != key:
                row.previous_secret = row.secret
                row.previous_secret_expires_at = now + ROTATION_GRACE
            row.secret = services.box.encrypt(key)
        row.updated_at = row.last_checked_at = now


async def forget_subscription(services: Services, subscription_id: str) -> bool:
    """Remove our record of a subscription (after deleting it at PandaDoc)."""
    async with services.db.sessions.begin() as session:
        result = await session.execute(
            delete(S).where(
                S.integration == "pandadoc", S.resource_id == _RESOURCE, S.tag == subscription_id
            )
        )
        return bool(getattr(result, "rowcount", 0))
