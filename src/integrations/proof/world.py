"""The isolated world a proof run plays in: a fresh SQLite database under a temp directory,
state in memory, a virtual clock, and the connectors it uses enabled in mock mode.

Recording and replay build the same world; they differ only in the bottom transport they
give the factory (`mock_transport`) and in where webhooks come from. Deliveries go to the
real `WebhookReceiver` (signature check, idempotent inbox) and are processed by the real
worker, one at a time, when the scenario asks, so the order of effects never depends on
the scheduler.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
from cryptography.fernet import Fernet

from integrations.actions.catalog import get_action
from integrations.actions.runner import run_action
from integrations.config import load_settings
from integrations.core.clock import VirtualClock
from integrations.core.records import MemoryCallRecorder
from integrations.errors import IntegrationError
from integrations.factory import IntegrationFactory
from integrations.logging import register_secret
from integrations.mock_webhooks import SECRET_CREDENTIAL
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.storage.db import Database
from integrations.storage.tables import Base
from integrations.webhooks.runtime import WebhookRuntime

__all__ = ["PUBLIC_URL", "ProofWorld", "open_world"]

PUBLIC_URL = "http://proof.invalid"  # where simulators address our receiver; never resolved
CLOCK_START = 1_700_000_000.0  # the virtual clock's start: the same in every run


@dataclass(slots=True)
class ProofWorld:
    """What a scenario plays against."""

    services: Services
    factory: IntegrationFactory
    webhooks: WebhookRuntime
    clock: VirtualClock
    calls: MemoryCallRecorder
    webhook_secret: str
    # Runs before each processing pass: a replay delivers the webhooks that came before it.
    before_processing: Callable[[], Awaitable[None]] | None = None

    async def act(self, name: str, action: str, arguments: Mapping[str, Any]) -> Any:
        """Run a declared operation, as `POST .../actions/{action}` does."""
        return await run_action(get_action(name, action), self.factory, arguments)

    async def process_webhooks(self) -> int:
        """Process every stored webhook that is due; how many attempts ran."""
        if self.before_processing is not None:
            await self.before_processing()
        return await self.webhooks.worker.run_once()

    async def receive(
        self, connector: str, body: bytes, headers: dict[str, str], query: dict[str, str]
    ) -> int:
        """One delivery to our receiver; the status the webhook route would answer."""
        try:
            await self.webhooks.receiver.receive(connector, body, headers, query)
        except IntegrationError as exc:
            return exc.http_status
        return 200


@asynccontextmanager
async def open_world(
    directory: Path,
    connectors: tuple[str, ...],
    mock_transport: Callable[[str], httpx2.AsyncBaseTransport],
) -> AsyncIterator[ProofWorld]:
    """A new world in `directory` (which must be empty); closed on exit."""
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{directory / 'proof.db'}",
        redis_url=None,
        var_dir=directory,
        secret_key=Fernet.generate_key().decode(),
        public_url=PUBLIC_URL,
        webhooks={"worker_concurrency": 1, "worker_batch_size": 1},
    )
    database = Database(settings.resolved_database_url)
    async with database.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    services = Services(settings, database)
    clock = VirtualClock(CLOCK_START)
    calls = MemoryCallRecorder()
    factory = IntegrationFactory(
        services, clock=clock, recorder=calls, mock_transport=mock_transport
    )
    secret = secrets.token_urlsafe(32)  # new every run: a proof file never needs it
    register_secret(secret)
    try:
        for name in connectors:
            update = IntegrationSettingsUpdate.model_validate(
                {"enabled": True, "mode": "mock", "credentials": {SECRET_CREDENTIAL: secret}}
            )
            await services.update_config(name, update, changed_by="proof")
        runtime = WebhookRuntime.build(services)
        yield ProofWorld(services, factory, runtime, clock, calls, secret)
    finally:
        await factory.close()
        await services.close()
