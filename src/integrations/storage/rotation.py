"""Key rotation: re-encrypt every stored secret under the newest key, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from integrations.storage.crypto import SecretBox
from integrations.storage.tables import IntegrationConfigRow, OAuthTokenRow
from integrations.storage.tables_changes import EventSubscriptionRow
from integrations.storage.tables_inbound import WebhookSubscriptionRow

__all__ = ["RotationReport", "rotate_secrets"]


@dataclass(frozen=True, slots=True)
class RotationReport:
    """How many encrypted values were re-encrypted, per table."""

    integration_configs: int
    oauth_tokens: int
    webhook_subscriptions: int
    event_subscriptions: int = 0

    @property
    def total(self) -> int:
        return (
            self.integration_configs
            + self.oauth_tokens
            + self.webhook_subscriptions
            + self.event_subscriptions
        )


async def rotate_secrets(session: AsyncSession, box: SecretBox) -> RotationReport:
    """Re-encrypt every secret column; a value no key can decrypt aborts the whole rotation.

    The caller commits, so a failure leaves every stored secret as it was.
    """
    configs = tokens = subscriptions = 0
    for config in await session.scalars(select(IntegrationConfigRow).with_for_update()):
        if config.credentials:
            config.credentials = box.rotate(config.credentials)
            configs += 1
    for token in await session.scalars(select(OAuthTokenRow).with_for_update()):
        token.access_token = box.rotate(token.access_token)
        if token.refresh_token:
            token.refresh_token = box.rotate(token.refresh_token)
        tokens += 1
    for sub in await session.scalars(select(WebhookSubscriptionRow).with_for_update()):
        if sub.secret:
            sub.secret = box.rotate(sub.secret)
            subscriptions += 1
        if sub.previous_secret:
            sub.previous_secret = box.rotate(sub.previous_secret)
    events = 0
    for destination in await session.scalars(select(EventSubscriptionRow).with_for_update()):
        destination.secret_encrypted = box.rotate(destination.secret_encrypted)
        events += 1
    await session.flush()
    return RotationReport(configs, tokens, subscriptions, events)
