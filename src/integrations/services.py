"""The process's shared services: settings, database, secret box, runtime configuration.

One `Services` is opened per process (server lifespan, CLI command, worker) and handed to
whatever needs it, so nothing reaches for globals and tests build their own.
"""

from __future__ import annotations

from integrations.config import Settings
from integrations.connector_specs import connector_defaults, connector_spec
from integrations.core.request_safety import check_base_url
from integrations.core.tracing import enable_tracing
from integrations.registry import get_connector
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.storage.crypto import SecretBox
from integrations.storage.db import Database
from integrations.storage.repositories.configs import (
    IntegrationConfig,
    IntegrationConfigRepository,
)

__all__ = ["Services"]


class Services:
    """Settings, database and secret box of one process.

    Args:
        settings: validated process settings.
        database: an open database (defaults to the one the settings name).
    """

    def __init__(self, settings: Settings, database: Database | None = None) -> None:
        self.settings = settings
        self.db = database or Database(
            settings.resolved_database_url,
            connect_timeout=settings.database.connect_timeout,
            statement_timeout=settings.database.statement_timeout,
        )
        self.box = SecretBox.from_settings(settings)
        if settings.otel_enabled:  # spans around every external call and job of this process
            enable_tracing()

    async def close(self) -> None:
        """Release the database connections."""
        await self.db.dispose()

    async def get_config(self, name: str) -> IntegrationConfig:
        """The current runtime configuration of connector `name`, read fresh from storage.

        Reading on every use is what makes a runtime change effective for the next call
        without a restart (a primary-key read; the pipeline may cache it per call). Fields
        the operator did not set hold the connector's own values.
        """
        defaults = connector_defaults(name)
        async with self.db.sessions() as session:
            repo = IntegrationConfigRepository(session, self.box)
            return await repo.get(integration=name, defaults=defaults)

    async def update_config(
        self, name: str, update: IntegrationSettingsUpdate, *, changed_by: str
    ) -> IntegrationConfig:
        """Validate and store a runtime configuration change, with its history row.

        Raises:
            ConfigError: an invalid field, or a `base_url` the connector's credentials must
                not be sent to (plain http off loopback, a host outside its allowed hosts).
        """
        defaults = connector_defaults(name)
        if update.base_url is not None:
            spec = connector_spec(get_connector(name))
            allowed = spec.allowed_hosts if spec is not None else ()
            check_base_url(str(update.base_url), integration=name, allowed_hosts=allowed)
        async with self.db.sessions.begin() as session:
            repo = IntegrationConfigRepository(session, self.box)
            return await repo.update(
                integration=name, update=update, changed_by=changed_by, defaults=defaults
            )
