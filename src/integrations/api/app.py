"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from integrations import __version__
from integrations.api.errors import install_error_handlers
from integrations.api.mcp_http import MCP_PATH, McpHttpApp, McpMount
from integrations.api.middleware import TraceMiddleware
from integrations.api.routes import health, integrations, webhook_events, webhooks
from integrations.config import Settings
from integrations.services import Services
from integrations.webhooks.runtime import WebhookRuntime

__all__ = ["create_app"]


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    """Build the API for `settings`; `services` may be given by tests or the server.

    The database schema is not migrated here: `integrations serve` upgrades before it starts
    the server, and `/healthz` reports a database that is behind. The MCP server is mounted
    at `/mcp` (streamable HTTP, admin bearer token) and runs for the lifespan of the app.
    """
    mcp_http = McpHttpApp()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        app.state.services = services or Services(settings)
        app.state.webhooks = WebhookRuntime.build(app.state.services)
        if settings.webhooks.worker_enabled:
            app.state.webhooks.start()
        try:
            async with mcp_http.run(app.state.services):
                yield
        finally:
            await app.state.webhooks.stop()
            if owned:
                await app.state.services.close()

    app = FastAPI(title="integrations", version=__version__, lifespan=lifespan)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(integrations.router)
    app.include_router(webhooks.router)
    app.include_router(webhook_events.router)
    app.router.routes.append(McpMount(MCP_PATH, app=mcp_http, name="mcp"))
    app.add_middleware(TraceMiddleware)

    return app
