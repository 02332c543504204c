"""Admin authentication: every non-public route refuses callers without a valid bearer token.

The route table is read from the app itself, so a route added later is covered without
touching this file.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

import fastapi.routing
import httpx2
import pytest
from _pytest.mark import ParameterSet
from starlette.routing import BaseRoute, Mount, Route

from integrations.api.admin_route import AdminRoute
from integrations.api.app import create_app
from integrations.config import Settings
from integrations.services import Services
from integrations.storage.repositories.admin_tokens import AdminTokenRepository, CreatedToken

# The webhook receiver is public by design: it is authenticated by each vendor's signature
# (tests/integrations/webhooks check that nothing unverified is accepted).
# Protected by a token of their own besides the admin token, and taking no body (they stay in
# the 401 tests below): Prometheus scrapes `/metrics` with `INTEGRATIONS_METRICS__SCRAPE_TOKEN`,
# a feed consumer reads `/api/v1/changes` with a `changes:read` token.
OWN_TOKEN = frozenset({"/metrics", "/api/v1/changes"})  # ... and a `changes:read` token
PUBLIC = frozenset(
    {
        "/healthz",
        "/openapi.json",
        "/docs",
        "/docs/oauth2-redirect",
        "/redoc",
        "/api/v1/webhooks/{integration}",
        # Reached from PracticePanther's redirect; its single-use `state` authenticates it.
        "/api/v1/integrations/practicepanther/oauth/callback",
        # The dashboard's static files and the redirects to them (`/assets` and `/docs/assets`
        # are static mounts); the dashboard signs in to the API with an admin token.
        "/",
        "/dashboard",
        "/admin",
    }
)
BOOTSTRAP = {"Authorization": "Bearer test-admin-token-0123456789"}
_PATH_PARAM = re.compile(r"\{[^}]*\}")


def _walk(routes: Sequence[Any], prefix: str = "") -> list[tuple[str, set[str], BaseRoute]]:
    """(path, methods, route) of every route, with included routers and mounts flattened."""
    # FastAPI >= 0.16x keeps included routers lazily; older versions list their routes directly.
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    found: list[tuple[str, set[str], BaseRoute]] = []
    for item in flatten(routes) if flatten else routes:
        route = getattr(item, "original_route", item)
        if isinstance(route, Mount):
            found += _walk(route.routes, prefix + route.path)
        else:
            found.append((prefix + (item.path or ""), set(item.methods or ()), route))
    return found


def _protected_routes() -> list[ParameterSet]:
    """(method, concrete path) of every route outside PUBLIC; HEAD is covered by GET."""
    app = create_app(Settings.model_construct())
    params = []
    for path, methods, route in _walk(app.routes):
        if path in PUBLIC or not isinstance(route, Route):
            continue
        # `{event_id:int}` only matches digits; any other parameter takes a connector's name.
        concrete = _PATH_PARAM.sub(lambda m: "1" if m[0].endswith(":int}") else "pandadoc", path)
        for method in sorted((methods or {"GET"}) - {"HEAD"}):
            params.append(pytest.param(method, concrete, id=f"{method} {path}"))
    return params


PROTECTED = _protected_routes()


def _body(method: str) -> dict[str, Any] | None:
    # A valid (empty) body, so only the missing credentials can cause the refusal.
    return None if method in {"GET", "DELETE", "OPTIONS"} else {}


@pytest.fixture(name="client")
async def _client(settings: Settings, services: Services) -> AsyncIterator[httpx2.AsyncClient]:
    app = create_app(settings, services)
    app.state.services = services
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def _create_token(services: Services, name: str = "ci") -> CreatedToken:
    async with services.db.sessions.begin() as session:
        return await AdminTokenRepository(session).create(name=name)


def test_route_table_is_fully_checked() -> None:
    """Every route is either public or a plain HTTP route this file knows how to call."""
    app = create_app(Settings.model_construct())
    unknown = [p for p, _, r in _walk(app.routes) if p not in PUBLIC and not isinstance(r, Route)]
    assert unknown == [], f"extend test_auth.py to cover these routes: {unknown}"
    ids = {p.id for p in PROTECTED}
    assert {"GET /api/v1/integrations", "PATCH /api/v1/integrations/{name}"} <= ids


def test_every_protected_route_checks_the_token_before_the_body() -> None:
    """Every protected route is an `AdminRoute`, which refuses a caller before reading a body."""
    app = create_app(Settings.model_construct())
    unchecked = [
        path
        for path, _, route in _walk(app.routes)
        if path not in PUBLIC | OWN_TOKEN
        and isinstance(route, Route)
        and not isinstance(route, AdminRoute)
    ]
    assert unchecked == []


# One database per route and backend, not per route, backend and header: the refusals
# change nothing stored, and 5x fewer databases keep the suite's time for real work.
BAD_CREDENTIALS = {
    "no-header": {},
    "wrong-token": {"Authorization": "Bearer wrong-token"},
    "malformed-itk": {"Authorization": "Bearer itk_x_y"},
    "empty-bearer": {"Authorization": "Bearer "},
    "basic-scheme": {"Authorization": "Basic YWRtaW46YWRtaW4="},
}


@pytest.mark.parametrize(("method", "path"), PROTECTED)
async def test_protected_route_refuses(client: httpx2.AsyncClient, method: str, path: str) -> None:
    """A missing, wrong or malformed token gets 401 `unauthorized` with a Bearer challenge."""
    for case, headers in BAD_CREDENTIALS.items():
        response = await client.request(method, path, headers=headers, json=_body(method))

        assert response.status_code == 401, (case, response.text)
        assert response.headers["WWW-Authenticate"] == "Bearer", case
        assert response.json()["error"]["code"] == "unauthorized", case


@pytest.mark.parametrize(("method", "path"), PROTECTED)
async def test_bootstrap_token_is_accepted(
    client: httpx2.AsyncClient, method: str, path: str
) -> None:
    """INTEGRATIONS_ADMIN_TOKEN opens every protected route."""
    response = await client.request(method, path, headers=BOOTSTRAP, json=_body(method))

    assert response.status_code not in {401, 403}, response.text
    if path == "/api/v1/health":  # tables made by create_all carry no migration: "not ready"
        assert response.status_code == 503 and response.json()["database"] == "ok"
    elif response.status_code == 503:  # create_all makes no procrastinate schema (PostgreSQL)
        assert response.json()["error"]["code"] == "job_queue_unavailable", response.text
    else:
        assert response.status_code < 500, response.text


async def test_created_token_works_until_revoked(
    client: httpx2.AsyncClient, services: Services
) -> None:
    """A stored token is accepted, and refused once it is revoked."""
    created = await _create_token(services)
    headers = {"Authorization": f"Bearer {created.token}"}

    assert (await client.get("/api/v1/integrations", headers=headers)).status_code == 200

    async with services.db.sessions.begin() as session:
        assert await AdminTokenRepository(session).revoke(token_id=created.id)
    response = await client.get("/api/v1/integrations", headers=headers)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_token_with_wrong_secret_is_refused(
    client: httpx2.AsyncClient, services: Services
) -> None:
    """The id of a real token with another secret is not enough."""
    created = await _create_token(services)
    headers = {"Authorization": f"Bearer itk_{created.id}_not-the-secret"}

    assert (await client.get("/api/v1/integrations", headers=headers)).status_code == 401


async def test_token_name_is_recorded_as_the_changer(
    client: httpx2.AsyncClient, services: Services
) -> None:
    """A change made with a stored token is attributed to `token:<name>` in the history."""
    created = await _create_token(services, name="deploy-bot")
    headers = {"Authorization": f"Bearer {created.token}"}

    patched = await client.patch(
        "/api/v1/integrations/mock", headers=headers, json={"enabled": True}
    )
    history = await client.get("/api/v1/integrations/mock/history", headers=headers)

    assert patched.status_code == 200
    assert patched.json()["config"]["updated_by"] == "token:deploy-bot"
    assert history.json()["items"][0]["changed_by"] == "token:deploy-bot"


async def test_token_with_longest_name_can_change_config(
    client: httpx2.AsyncClient, services: Services
) -> None:
    """A token whose name has the allowed 128 characters can still change a configuration."""
    created = await _create_token(services, name="n" * 128)
    headers = {"Authorization": f"Bearer {created.token}"}

    response = await client.patch(
        "/api/v1/integrations/mock", headers=headers, json={"enabled": True}
    )

    assert response.status_code == 200, response.text
