"""Which secrets verify an integration's deliveries, cached briefly off the hot path.

Secrets come from the integration's runtime credentials (`webhook_secret`, and during a
rotation `webhook_secret_previous` until `webhook_secret_previous_expires_at`) and from the
webhook subscriptions we registered at the vendor (one secret per Typeform form or PandaDoc
subscription, with the same grace period for a previous secret). A disabled integration
has no valid secrets: nothing is accepted for it, and its deliveries are refused with 409
`integration_disabled` (not a signature failure, which would send its operator looking for
a wrong secret), so the vendor retries them later and nothing is stored meanwhile.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import dataclass

from sqlalchemy import select

from integrations.errors import IntegrationDisabledError
from integrations.services import Services
from integrations.storage.tables import utcnow
from integrations.storage.tables_inbound import WebhookSubscriptionRow

__all__ = ["SecretResolver"]

CACHE_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class _Cached:
    secrets: list[str] | None  # None: the integration is disabled
    until: float


def _still_valid(expires: object, now: dt.datetime) -> bool:
    if expires is None:
        return False
    if isinstance(expires, dt.datetime):
        return expires > now
    try:
        parsed = dt.datetime.fromisoformat(str(expires))
    except ValueError:
        return False
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed > now


class SecretResolver:
    """Looks up (and caches for `CACHE_SECONDS`) the secrets of each integration.

    One lookup at a time per integration: when the cache runs out under load, the requests
    that arrive meanwhile wait for that lookup instead of each starting their own.
    """

    def __init__(self, services: Services) -> None:
        self._services = services
        self._cache: dict[str, _Cached] = {}
        self._loading: dict[str, asyncio.Task[list[str] | None]] = {}
        self._generation = 0

    def invalidate(self, integration: str | None = None) -> None:
        """Forget cached secrets (after a rotation or a configuration change)."""
        self._generation += 1  # a lookup already under way must not cache what it read
        if integration is None:
            self._cache.clear()
            self._loading.clear()
        else:
            self._cache.pop(integration, None)
            self._loading.pop(integration, None)

    async def secrets(self, integration: str) -> list[str]:
        """Every secret that currently verifies `integration`'s deliveries.

        Raises:
            IntegrationDisabledError: the integration is disabled (409). Not a 2xx, which
                the vendor would take as delivered, nor 404/410, which make Typeform switch
                the webhook off: vendors retry a 409, so deliveries made while an operator
                paused the integration arrive once it is enabled, within their retry window.
        """
        cached = self._cache.get(integration)
        if cached is not None and cached.until > time.monotonic():
            found = cached.secrets
        else:
            loading = self._loading.get(integration)
            if loading is None:
                loading = asyncio.create_task(self._refresh(integration, self._generation))
                self._loading[integration] = loading
            # Shielded: one waiting request going away must not cancel the others' lookup.
            found = await asyncio.shield(loading)
        if found is None:
            raise IntegrationDisabledError(
                f"{integration} is disabled: deliveries are refused and not stored until it is "
                f'enabled (PATCH /api/v1/integrations/{integration} {{"enabled": true}})',
                integration=integration,
            )
        return found

    async def _refresh(self, integration: str, generation: int) -> list[str] | None:
        try:
            # Bounded even though callers wait with deadlines of their own: a lookup stuck
            # on a stalled database would otherwise hold every later caller.
            async with self._services.db.statement_deadline():
                found = await self._load(integration)
            if generation == self._generation:
                self._cache[integration] = _Cached(found, time.monotonic() + CACHE_SECONDS)
            return found
        finally:
            if self._loading.get(integration) is asyncio.current_task():
                del self._loading[integration]

    async def _load(self, integration: str) -> list[str] | None:
        config = await self._services.get_config(integration)
        if not config.settings.enabled:
            return None
        now = utcnow()
        creds = config.credentials
        found = [str(creds["webhook_secret"])] if creds.get("webhook_secret") else []
        previous = creds.get("webhook_secret_previous")
        if previous and _still_valid(creds.get("webhook_secret_previous_expires_at"), now):
            found.append(str(previous))
        box = self._services.box
        async with self._services.db.sessions() as session:
            rows = await session.scalars(
                select(WebhookSubscriptionRow).where(
                    WebhookSubscriptionRow.integration == integration,
                    WebhookSubscriptionRow.enabled.is_(True),
                )
            )
            for row in rows:
                if row.secret:
                    found.append(box.decrypt(row.secret))
                if row.previous_secret and _still_valid(row.previous_secret_expires_at, now):
                    found.append(box.decrypt(row.previous_secret))
        return found
