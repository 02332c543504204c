"""Before the server starts: every connector with a mock mode enabled in it, the storm
vendor's breaker made quick, and an admin token to use against the API.

The configuration goes through `Services.update_config`, the path `integrations config set
NAME --enable --mode mock` and `PATCH /api/v1/integrations/NAME` take (validated, stored with
a history row), so what the demo leaves behind is an ordinary configuration.
"""

from __future__ import annotations

from integrations.connector_specs import client_class
from integrations.errors import ConfigError
from integrations.registry import built_connectors, get_connector
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.storage.repositories.admin_tokens import AdminTokenRepository

__all__ = ["STORM_VENDOR", "mock_connectors", "prepare"]

STORM_VENDOR = "mock"  # the vendor the 503 storm hits: nothing else depends on it
# Three failed calls open the breaker and it tries again after one second, so the storm and
# the recovery take seconds (the connector's own defaults are minutes).
STORM_CIRCUIT = {"failure_threshold": 3, "reset_timeout_seconds": 1.0}
STORM_RETRY = {"max_attempts": 1}  # each call fails once: the breaker counts calls, not tries


def mock_connectors() -> list[str]:
    """Connectors that can run in mock mode: a simulator, or a local peer (email, SMS)."""
    return [name for name in built_connectors() if _has_mock_mode(name)]


def _has_mock_mode(name: str) -> bool:
    info = get_connector(name)
    if info.simulator:
        return True
    try:
        return bool(getattr(client_class(info), "LOCAL_PEER", False))
    except ConfigError:  # a registry entry without a client of its own (generic)
        return False


async def prepare(services: Services) -> str:
    """Configure the connectors and return a new admin token (printed once, hash stored)."""
    for name in mock_connectors():
        fields: dict[str, object] = {"enabled": True, "mode": "mock"}
        if name == STORM_VENDOR:
            fields.update(circuit=STORM_CIRCUIT, retry=STORM_RETRY)
        update = IntegrationSettingsUpdate.model_validate(fields)
        await services.update_config(name, update, changed_by="demo")
    async with services.db.sessions.begin() as session:
        created = await AdminTokenRepository(session).create(name="demo", scope=None)
    return created.token
