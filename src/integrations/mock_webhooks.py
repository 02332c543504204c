"""Mock mode closes the webhook loop: a simulator delivers to this server's own receiver.

In live mode the vendor posts signed events to `<public_url>/api/v1/webhooks/<name>`. In mock
mode the vendor is the simulator in this process, so the server's factory points it there too:

- **Where.** The simulator's own delivery target (PandaDoc: every event; what
  `/_sim/webhook-target` sets on a standalone one) becomes our receiver's URL, and every
  delivery to a URL under `public_url` (Typeform's form webhooks set up with the default URL
  included) is answered by this process's ASGI app, in-process: no socket, no dependence on
  the port served or on `public_url` being reachable from here (docs/decisions.md).
- **Signed with what.** The integration's `webhook_secret` credential, the one the receiver
  verifies with. When mock mode has none, one is generated once and stored like every
  credential: encrypted in the runtime configuration, with a history row that masks it.
  Typeform signs each form webhook with its own secret, set by `setup_webhook`.

Only a process that serves the API closes the loop (its factory is given the app): a
`integrations call` or worker process keeps its simulator's deliveries as they were.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx2
from pydantic import SecretStr
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp

from integrations.connector_specs import connector_defaults
from integrations.logging import get_logger, register_secret
from integrations.registry import ConnectorInfo
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.simulators import Simulator
from integrations.storage.repositories.configs import IntegrationConfig, IntegrationConfigRepository
from integrations.storage.tables import IntegrationConfigRow

__all__ = ["SECRET_CREDENTIAL", "MockWebhookLoop", "ReceiverTransport", "ensure_webhook_secret"]

SECRET_CREDENTIAL = "webhook_secret"  # noqa: S105 (the credential's name, not a value)
_log = get_logger()


class ReceiverTransport(httpx2.ASGITransport):
    """Requests for our own public URL, answered by our own app inside this process.

    Each request runs as a task of its own, so the receiver has its own request context
    (trace id, log bindings), as a delivery from the vendor would, instead of the context of
    the call that set the event off. An exception in the app is a 500, as over the network.
    """

    def __init__(self, app: ASGIApp, public_url: str) -> None:
        # Behind a proxy with a path prefix, the app sees that prefix as its root path.
        root = urlsplit(public_url).path.rstrip("/")
        super().__init__(app=app, raise_app_exceptions=False, root_path=root)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        return await asyncio.create_task(super().handle_async_request(request))


async def ensure_webhook_secret(services: Services, integration: str) -> IntegrationConfig:
    """`integration`'s configuration with a `webhook_secret`, generated and stored when it
    has none; exactly one is ever stored, however many processes ask at once."""
    defaults = connector_defaults(integration)
    try:
        async with services.db.sessions.begin() as session:
            # Write-lock the row before reading it (an UPDATE that changes nothing takes
            # SQLite's write lock and PostgreSQL's row lock alike), so a second process
            # waits here and then finds the secret the first one stored.
            await session.execute(
                update(IntegrationConfigRow)
                .where(IntegrationConfigRow.integration == integration)
                .values(version=IntegrationConfigRow.version)
            )
            repo = IntegrationConfigRepository(session, services.box)
            config = await repo.get(integration=integration, defaults=defaults)
            if config.credentials.get(SECRET_CREDENTIAL):
                return config
            secret = secrets.token_urlsafe(32)
            register_secret(secret)  # masked in every log line from now on
            credentials = {k: SecretStr(str(v)) for k, v in config.credentials.items()}
            credentials[SECRET_CREDENTIAL] = SecretStr(secret)
            saved = await repo.update(
                integration=integration,
                update=IntegrationSettingsUpdate(credentials=credentials),
                changed_by="mock-mode",
                defaults=defaults,
            )
    except IntegrityError:  # no row yet, and another process inserted it first
        return await services.get_config(integration)
    _log.info("webhooks.mock_secret_generated", integration=integration, version=saved.version)
    return saved


@dataclass(frozen=True, slots=True)
class MockWebhookLoop:
    """Connects mock-mode simulators to the receiver of the app serving this process.

    Args:
        services: settings (`public_url`), database and secret box.
        receiver: the ASGI app whose `/api/v1/webhooks/{name}` receives the deliveries.
    """

    services: Services
    receiver: ASGIApp

    def closes(self, info: ConnectorInfo) -> bool:
        """Whether `info`'s simulator sends webhooks that we receive."""
        return info.simulator is not None and info.webhook is not None

    async def prepare(self, info: ConnectorInfo, config: IntegrationConfig) -> IntegrationConfig:
        """`config`, with a generated webhook secret if mock mode needs one and has none."""
        if config.settings.mode != "mock" or not self.closes(info):
            return config
        if config.credentials.get(SECRET_CREDENTIAL):
            return config
        return await ensure_webhook_secret(self.services, info.name)

    def connect(self, info: ConnectorInfo, sim: Simulator, config: IntegrationConfig) -> None:
        """Point `sim`'s deliveries at our receiver, signed with `config`'s secret."""
        if not self.closes(info):
            return
        public_url = self.services.settings.public_url
        sim.emitter.routes[f"{public_url}/"] = ReceiverTransport(self.receiver, public_url)
        secret = str(config.credentials.get(SECRET_CREDENTIAL) or "")
        sim.emitter.target(f"{public_url}/api/v1/webhooks/{info.name}", secret)
