"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from fastapi import FastAPI

from integrations import __version__
from integrations.api.dashboard import install_dashboard
from integrations.api.errors import install_error_handlers
from integrations.api.mcp_http import MCP_PATH, McpHttpApp, McpMount
from integrations.api.middleware import HeaderLimitMiddleware, TraceMiddleware
from integrations.api.offline_docs import install_docs
from integrations.api.routes import (
    health,
    integration_cache,
    integration_calls,
    integration_metrics,
    integrations,
    practicepanther_oauth,
    vendor_data,
    webhook_events,
    webhooks,
)
from integrations.api.routes.actions import router as actions_router
from integrations.api.routes.alerts import router as alerts_router
from integrations.api.routes.changes import router as changes_router
from integrations.api.routes.event_subscriptions import router as event_subscriptions_router
from integrations.api.routes.integration_health import router as integration_health_router
from integrations.api.routes.nicednb_manual_entries import router as nicednb_manual_router
from integrations.api.routes.prometheus import router as prometheus_router
from integrations.api.routes.sync import router as sync_router
from integrations.api.schemas.errors import error_responses
from integrations.config import Settings
from integrations.factory import IntegrationFactory
from integrations.jobs.worker import JobWorker
from integrations.services import Services
from integrations.webhooks.runtime import WebhookRuntime

__all__ = ["create_app"]


def create_app(
    settings: Settings, services: Services | None = None, *, run_jobs: bool = False
) -> FastAPI:
    """Build the API for `settings`; `services` may be given by tests or the server.

    `run_jobs` (what `integrations serve` passes unless `--no-worker`) runs the background
    job workers and the periodic schedule in the lifespan; an app built by a test runs none.

    The database schema is not migrated here: `integrations serve` upgrades before it starts
    the server, and `/healthz` reports a database that is behind. The MCP server is mounted
    at `/mcp` (streamable HTTP, admin bearer token) and runs for the lifespan of the app.
    `/docs`, `/redoc` and `/openapi.json` exist only when `settings.docs_enabled` (not in
    production unless `INTEGRATIONS_API__DOCS_ENABLED=true`), their assets served locally
    (`api.offline_docs`). The dashboard build is served at `/` (`api.dashboard`).
    """
    mcp_http = McpHttpApp()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        app.state.services = services or Services(settings)
        # One set of clients per process: MCP tools, health checks and actions share their
        # breakers, budgets and call records.
        # Given the app, mock-mode simulators deliver their webhooks to its own receiver.
        app.state.factory = IntegrationFactory.for_process(app.state.services, receiver=app)
        app.state.webhooks = WebhookRuntime.build(app.state.services)
        if settings.webhooks.worker_enabled:
            app.state.webhooks.start()
        app.state.jobs = JobWorker(app.state.services, app.state.factory) if run_jobs else None
        if app.state.jobs is not None:
            app.state.jobs.start()
        try:
            async with mcp_http.run(app.state.services, app.state.factory):
                yield
        finally:
            if app.state.jobs is not None:
                await app.state.jobs.stop()
            await app.state.webhooks.stop()
            await app.state.factory.close()
            if owned:
                await app.state.services.close()

    app = FastAPI(
        title="integrations",
        version=__version__,
        lifespan=lifespan,
        # Any request can be refused for its headers before it reaches its route.
        responses=error_responses(431),
        **_documentation_urls(settings),
    )
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(health.admin_router)
    app.include_router(integrations.router)
    app.include_router(actions_router)
    app.include_router(integration_calls.router)
    app.include_router(integration_metrics.router)
    app.include_router(integration_cache.router)
    app.include_router(vendor_data.router)
    app.include_router(webhooks.router)
    app.include_router(webhook_events.router)
    app.include_router(alerts_router)
    app.include_router(integration_health_router)
    app.include_router(prometheus_router)
    app.include_router(nicednb_manual_router)
    app.include_router(sync_router)
    app.include_router(changes_router)
    app.include_router(event_subscriptions_router)
    app.include_router(practicepanther_oauth.router)
    app.include_router(practicepanther_oauth.callback_router)
    if settings.docs_enabled:
        install_docs(app, openapi_url="/openapi.json")
    install_dashboard(app)
    app.router.routes.append(McpMount(MCP_PATH, app=mcp_http, name="mcp"))
    _add_middleware(app, settings)
    return app


class _DocumentationUrls(TypedDict):
    openapi_url: str | None
    docs_url: str | None
    redoc_url: str | None


def _documentation_urls(settings: Settings) -> _DocumentationUrls:
    """Where FastAPI serves the OpenAPI document (None: not at all); its own `/docs` and
    `/redoc`, which load their assets from a CDN, are always off (`install_docs` instead)."""
    return {
        "openapi_url": "/openapi.json" if settings.docs_enabled else None,
        "docs_url": None,
        "redoc_url": None,
    }


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    # Outermost last: the trace id is bound first, so a 431 is logged and answered with it;
    # the header limit then runs before anything else reads the headers.
    app.add_middleware(
        HeaderLimitMiddleware,
        max_count=settings.api.max_header_count,
        max_bytes=settings.api.max_header_bytes,
    )
    app.add_middleware(TraceMiddleware)
