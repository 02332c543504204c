"""Event subscriptions: where change events go, which changes, and the signing secret.

A subscription's URL passes the alert webhook's destination rules
(`telemetry.alert_channels.check_destination`: https to a public address, unless the host
is in `INTEGRATIONS_CHANGE_EVENTS__ALLOWED_PRIVATE_HOSTS`) when it is created or changed,
and again before every delivery (a name may resolve elsewhere later). The secret is a
Standard Webhooks `whsec_<base64>` key, generated unless given, encrypted at rest with the
process's `SecretBox` and shown only in the answer that created (or rotated) it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from integrations.changes.delivery_policy import parse_filter
from integrations.config import Settings
from integrations.errors import IntegrationError
from integrations.storage.crypto import SecretBox
from integrations.storage.tables_changes import ChangeDeliveryRow, EventSubscriptionRow
from integrations.telemetry.alert_channels import UnsafeDestinationError, check_destination

__all__ = [
    "SubscriptionInvalidError",
    "SubscriptionRepository",
    "check_filters",
    "check_secret",
    "check_url",
    "new_secret",
    "subscription_payload",
]

_SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
_MIN_KEY_BYTES = 24


class SubscriptionInvalidError(IntegrationError):
    """A subscription field is refused (422 naming the field, as request validation does)."""

    http_status = 422
    code = "validation_error"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"invalid request: {field}: {reason}")
        self.field, self.reason = field, reason

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["errors"] = [{"field": self.field, "reason": self.reason}]
        return body


def new_secret() -> str:
    """A fresh `whsec_` secret: 32 random bytes, base64."""
    return _SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def check_secret(secret: str) -> str:
    """`secret` if it is `whsec_<base64 of at least 24 bytes>`, as receivers' libraries
    expect; SubscriptionInvalidError otherwise."""
    raw = secret.removeprefix(_SECRET_PREFIX)
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not secret.startswith(_SECRET_PREFIX) or len(key) < _MIN_KEY_BYTES:
        raise SubscriptionInvalidError(
            "secret", f"must be 'whsec_' and the base64 of at least {_MIN_KEY_BYTES} bytes"
        )
    return secret


def check_filters(filters: Sequence[str]) -> list[str]:
    """The filters, each `<integration>:<entity>` (`*` allowed), without duplicates."""
    if not filters:
        raise SubscriptionInvalidError("entities", "at least one filter, e.g. 'pandadoc:*'")
    for text in filters:
        try:
            parse_filter(text)
        except ValueError as exc:
            raise SubscriptionInvalidError("entities", str(exc)) from None
    return list(dict.fromkeys(filters))


async def check_url(url: str, settings: Settings) -> str:
    """`url` if change events may be sent there (the alert webhook's rules)."""
    try:
        await check_destination(url, settings.change_events.allowed_private_hosts)
    except UnsafeDestinationError as exc:
        reason = str(exc).replace("INTEGRATIONS_ALERTS__", "INTEGRATIONS_CHANGE_EVENTS__")
        raise SubscriptionInvalidError("url", reason) from None
    return url


def subscription_payload(row: EventSubscriptionRow) -> dict[str, Any]:
    """The public fields (never the secret)."""
    return {
        "id": row.id,
        "name": row.name,
        "url": row.url,
        "entities": list(row.entities),
        "enabled": row.enabled,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "created_by": row.created_by,
    }


class SubscriptionRepository:
    """Subscriptions in one session; the caller commits.

    Args:
        session: the caller's session.
        box: encrypts and decrypts the signing secrets.
    """

    def __init__(self, session: AsyncSession, box: SecretBox) -> None:
        self._session, self._box = session, box

    async def create(
        self, *, name: str, url: str, entities: list[str], secret: str, created_by: str
    ) -> EventSubscriptionRow:
        row = EventSubscriptionRow(
            name=name,
            url=url,
            entities=entities,
            secret_encrypted=self._box.encrypt(secret),
            enabled=True,
            created_by=created_by,
        )
        self._session.add(row)
        await self._session.flush()
        return row

    async def get(self, subscription_id: int) -> EventSubscriptionRow | None:
        return await self._session.get(EventSubscriptionRow, subscription_id)

    async def list(self) -> list[EventSubscriptionRow]:
        statement = select(EventSubscriptionRow).order_by(EventSubscriptionRow.id)
        return list(await self._session.scalars(statement))

    async def update(self, row: EventSubscriptionRow, **fields: Any) -> EventSubscriptionRow:
        """Set the given fields (`secret` is encrypted) and the update time."""
        if "secret" in fields:
            row.secret_encrypted = self._box.encrypt(fields.pop("secret"))
        for name, value in fields.items():
            setattr(row, name, value)
        row.updated_at = dt.datetime.now(dt.UTC)
        await self._session.flush()
        return row

    async def delete(self, row: EventSubscriptionRow) -> None:
        """Delete the subscription and its deliveries (explicitly: SQLite enforces the
        ON DELETE CASCADE only with its foreign-key pragma on)."""
        await self._session.execute(
            delete(ChangeDeliveryRow).where(ChangeDeliveryRow.subscription_id == row.id)
        )
        await self._session.delete(row)
        await self._session.flush()

    def secret(self, row: EventSubscriptionRow) -> str:
        return self._box.decrypt(row.secret_encrypted)
