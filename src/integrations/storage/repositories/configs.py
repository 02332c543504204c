"""Integration configuration repository: read, update (with history), rotate secrets.

A row stores only the settings an operator set; reads fill the rest from the connector's
defaults the caller passes (`connector_specs.connector_defaults`), so what is shown and used
is what is in effect, and a later release's connector values reach every unset field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from integrations.runtime_config import (
    IntegrationSettings,
    IntegrationSettingsUpdate,
    apply_update,
    masked_view,
    with_defaults,
)
from integrations.storage.crypto import SecretBox
from integrations.storage.tables import (
    IntegrationConfigHistoryRow,
    IntegrationConfigRow,
    utcnow,
)

__all__ = ["IntegrationConfig", "IntegrationConfigRepository"]


@dataclass(frozen=True, slots=True)
class IntegrationConfig:
    """One integration's configuration as the application uses it (credentials decrypted)."""

    integration: str
    settings: IntegrationSettings
    credentials: dict[str, Any]
    version: int
    updated_by: str
    updated_at: dt.datetime | None

    def public(self) -> dict[str, Any]:
        """The masked JSON view for the API."""
        view = masked_view(self.settings, self.credentials)
        view.update(integration=self.integration, version=self.version, updated_by=self.updated_by)
        view["updated_at"] = self.updated_at.isoformat() if self.updated_at else None
        return view


class IntegrationConfigRepository:
    """Reads and writes `integration_configs`; every write also appends a history row.

    Args:
        session: the session of the current unit of work; the caller commits.
        box: the secret box that encrypts credentials.
    """

    def __init__(self, session: AsyncSession, box: SecretBox) -> None:
        self._session = session
        self._box = box

    async def get(
        self, *, integration: str, defaults: IntegrationSettings | None = None
    ) -> IntegrationConfig:
        """The stored configuration over `defaults` (all of `defaults` when nothing is stored:
        disabled unless they say otherwise)."""
        row = await self._row(integration)
        if row is None:
            base = defaults or IntegrationSettings()
            return IntegrationConfig(integration, base, {}, 0, "system", None)
        return self._to_config(row, defaults)

    async def list_all(self) -> list[IntegrationConfig]:
        """Every stored configuration, by integration name (unset fields at the model's own
        defaults: pass each through `with_defaults` to see the connector's)."""
        rows = await self._session.scalars(
            select(IntegrationConfigRow).order_by(IntegrationConfigRow.integration)
        )
        return [self._to_config(row) for row in rows]

    async def update(
        self,
        *,
        integration: str,
        update: IntegrationSettingsUpdate,
        changed_by: str,
        defaults: IntegrationSettings | None = None,
    ) -> IntegrationConfig:
        """Apply a partial update, validate the whole result and record the change.

        Raises:
            ConfigError: when the merged configuration is invalid; nothing is written.
        """
        row = await self._row(integration, for_update=True)
        old = (
            self._to_config(row, defaults)
            if row is not None
            else await self.get(integration=integration, defaults=defaults)
        )
        if update.is_empty():
            return old  # nothing to change: no new version, no history row
        chosen = apply_update(old.settings, update)  # the operator's fields alone
        settings = with_defaults(chosen, defaults or IntegrationSettings())
        credentials = old.credentials
        if update.credentials is not None:
            credentials = {k: v.get_secret_value() for k, v in update.credentials.items()}
        now = utcnow()
        if row is None:
            row = IntegrationConfigRow(integration=integration, version=0, created_at=now)
            self._session.add(row)
        row.enabled = settings.enabled
        row.mode = settings.mode
        # Only the operator's fields: an unset one follows the connector, now and after upgrades.
        row.settings = settings.model_dump(
            mode="json", exclude_unset=True, exclude={"enabled", "mode"}
        )
        row.credentials = self._box.encrypt_json(credentials) if credentials else None
        row.version = old.version + 1
        row.updated_by = changed_by
        row.updated_at = now
        self._session.add(
            IntegrationConfigHistoryRow(
                integration=integration,
                version=row.version,
                changed_by=changed_by,
                changed_at=now,
                old_value=masked_view(old.settings, old.credentials) if old.version else None,
                new_value=masked_view(settings, credentials),
            )
        )
        await self._session.flush()
        return self._to_config(row, defaults)

    async def history(
        self, *, integration: str, limit: int = 100
    ) -> list[IntegrationConfigHistoryRow]:
        """The latest changes, newest first."""
        rows = await self._session.scalars(
            select(IntegrationConfigHistoryRow)
            .where(IntegrationConfigHistoryRow.integration == integration)
            .order_by(IntegrationConfigHistoryRow.version.desc())
            .limit(limit)
        )
        return list(rows)

    async def _row(
        self, integration: str, *, for_update: bool = False
    ) -> IntegrationConfigRow | None:
        query = select(IntegrationConfigRow).where(IntegrationConfigRow.integration == integration)
        if for_update:
            query = query.with_for_update()
        row: IntegrationConfigRow | None = await self._session.scalar(query)
        return row

    def _to_config(
        self, row: IntegrationConfigRow, defaults: IntegrationSettings | None = None
    ) -> IntegrationConfig:
        stored = dict(row.settings or {}) | {"enabled": row.enabled, "mode": row.mode}
        credentials = self._box.decrypt_json(row.credentials) if row.credentials else {}
        settings = IntegrationSettings.model_validate(stored)  # fields set: the stored ones
        return IntegrationConfig(
            integration=row.integration,
            settings=with_defaults(settings, defaults) if defaults else settings,
            credentials=credentials,
            version=row.version,
            updated_by=row.updated_by,
            updated_at=row.updated_at,
        )
