"""Everything the webhook side of one process needs, built once from its services."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from dataclasses import dataclass, field

from integrations.errors import ConfigError
from integrations.registry import CONNECTORS
from integrations.services import Services
from integrations.webhooks.dispatch import HandlerRegistry
from integrations.webhooks.inbox import WebhookInbox
from integrations.webhooks.queue import EventQueue
from integrations.webhooks.receiver import WebhookReceiver
from integrations.webhooks.secrets import SecretResolver
from integrations.webhooks.worker import WebhookWorker

__all__ = ["WebhookRuntime"]


@dataclass(slots=True)
class WebhookRuntime:
    """Receiver, queue, handlers and worker of one process."""

    receiver: WebhookReceiver
    queue: EventQueue
    handlers: HandlerRegistry
    worker: WebhookWorker
    _task: asyncio.Task[None] | None = field(default=None)

    @classmethod
    def build(cls, services: Services, handlers: HandlerRegistry | None = None) -> WebhookRuntime:
        """Wire the parts from the process settings; handler modules are imported here."""
        settings = services.settings.webhooks
        handlers = handlers or HandlerRegistry()
        builtin = [c.handlers for c in CONNECTORS.values() if c.handlers]
        for module in [*builtin, *settings.handler_modules]:
            try:
                registrar = importlib.import_module(module)
            except ImportError as exc:
                raise ConfigError(
                    f"webhook handler module {module!r} cannot be imported: {exc}"
                ) from None
            register = getattr(registrar, "register", None)
            if callable(register):
                register(handlers)
        queue = EventQueue(services.db, lease_seconds=settings.lease_seconds)
        worker = WebhookWorker(
            services.db,
            handlers,
            queue,
            max_attempts=settings.max_attempts,
            base_seconds=settings.retry_base_seconds,
            cap_seconds=settings.retry_cap_seconds,
            concurrency=settings.worker_concurrency,
            batch_size=settings.worker_batch_size,
        )
        inbox = WebhookInbox(services.db, on_stored=worker.wake)
        receiver = WebhookReceiver(inbox, SecretResolver(services), settings)
        return cls(receiver, queue, handlers, worker)

    def start(self) -> None:
        """Run the worker in the background of this event loop."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.worker.run())

    async def stop(self) -> None:
        """Stop the worker; an attempt in flight is rolled back and retried later."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
