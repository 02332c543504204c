"""The FastAPI application factory."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from integrations import __version__
from integrations.api.errors import install_error_handlers
from integrations.api.routes import health, integrations
from integrations.config import Settings
from integrations.logging import bind_trace_id, get_logger
from integrations.services import Services

__all__ = ["create_app"]

_log = get_logger()
TRACE_HEADER = "X-Trace-Id"


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    """Build the API for `settings`; `services` may be given by tests or the server.

    The database schema is not migrated here: `integrations serve` upgrades before it starts
    the server, and `/healthz` reports a database that is behind.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        app.state.services = services or Services(settings)
        try:
            yield
        finally:
            if owned:
                await app.state.services.close()

    app = FastAPI(title="integrations", version=__version__, lifespan=lifespan)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(integrations.router)

    @app.middleware("http")
    async def trace(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        # One trace id per request: taken from the caller when sent, so logs join across services.
        incoming = request.headers.get(TRACE_HEADER)
        trace_id = incoming if incoming and len(incoming) <= 64 and incoming.isprintable() else None
        with bind_trace_id(trace_id) as bound:
            started = time.perf_counter()
            response = await call_next(request)
            response.headers[TRACE_HEADER] = bound
            _log.info(
                "api.request_completed",
                method=request.method,
                path=request.url.path,
                status=response.status_code,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
            return response

    return app
