"""Request dependencies: services and admin authentication."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from integrations.errors import IntegrationError
from integrations.factory import IntegrationFactory
from integrations.services import Services
from integrations.storage.repositories.admin_tokens import AdminTokenRepository
from integrations.webhooks.runtime import WebhookRuntime

__all__ = [
    "ADMIN_PRINCIPAL_STATE",
    "AdminPrincipal",
    "ServicesDep",
    "UnauthorizedError",
    "WebhooksDep",
    "admin_principal",
    "bearer_credentials",
    "get_services",
    "get_webhooks",
    "require_admin",
]

bearer_credentials = HTTPBearer(auto_error=False)
# The request-state key under which `AdminRoute` leaves the identity it verified.
ADMIN_PRINCIPAL_STATE = "admin_principal"


class UnauthorizedError(IntegrationError):
    """The admin API was called without a valid bearer token."""

    http_status = 401
    code = "unauthorized"


def get_services(request: Request) -> Services:
    """The process services opened by the app's lifespan."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_webhooks(request: Request) -> WebhookRuntime:
    """The webhook runtime; built on first use when the lifespan did not run (tests)."""
    runtime: WebhookRuntime | None = getattr(request.app.state, "webhooks", None)
    if runtime is None:
        runtime = WebhookRuntime.build(get_services(request))
        request.app.state.webhooks = runtime
    return runtime


WebhooksDep = Annotated[WebhookRuntime, Depends(get_webhooks)]


def get_factory(request: Request) -> IntegrationFactory:
    """The process's clients (built by the lifespan); made on first use when the lifespan did
    not run (an app driven without it, as in tests), like `get_webhooks`."""
    factory: IntegrationFactory | None = getattr(request.app.state, "factory", None)
    if factory is None:
        factory = IntegrationFactory(get_services(request))
        request.app.state.factory = factory
    return factory


FactoryDep = Annotated[IntegrationFactory, Depends(get_factory)]


async def require_admin(
    services: Services,
    credentials: HTTPAuthorizationCredentials | None,
    *,
    scope: str | None = None,
) -> str:
    """The caller's admin identity; 401 without a valid `Authorization: Bearer` token.

    The bootstrap token from `INTEGRATIONS_ADMIN_TOKEN` is compared in constant time; other
    tokens were made by `integrations admin create-token` and are stored hashed. A route that
    passes `scope` also accepts tokens limited to that scope (e.g. `changes:read`).
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise UnauthorizedError("missing bearer token: send Authorization: Bearer <admin token>")
    presented = credentials.credentials
    bootstrap = services.settings.admin_token
    if bootstrap is not None and hmac.compare_digest(
        presented.encode(), bootstrap.get_secret_value().encode()
    ):
        return "admin"
    async with services.db.sessions.begin() as session:
        name = await AdminTokenRepository(session).verify(presented, scope=scope)
    if name is None:
        raise UnauthorizedError("invalid or revoked admin token")
    return f"token:{name}"


async def admin_principal(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_credentials)],
) -> str:
    """The caller's admin identity, as a route dependency.

    `AdminRoute` has already verified it before reading the body; a route outside an
    `AdminRoute` router is verified here. The bearer dependency also puts the security scheme
    in the OpenAPI document.
    """
    verified = getattr(request.state, ADMIN_PRINCIPAL_STATE, None)
    if isinstance(verified, str):
        return verified
    return await require_admin(services, credentials)


AdminPrincipal = Annotated[str, Depends(admin_principal)]
