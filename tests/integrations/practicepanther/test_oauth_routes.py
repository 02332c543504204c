"""`/api/v1/integrations/practicepanther/oauth/start` and `/callback` against the simulator
over HTTP: a stored single-use, expiring state; the code exchanged and the tokens stored
encrypted; every bad callback a 400 naming its field; redirect URIs must be HTTPS."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx2
import pytest
from sqlalchemy import select

from integrations.api.app import create_app
from integrations.config import Settings
from integrations.factory import IntegrationFactory
from integrations.practicepanther.token_store import DatabaseTokenStore
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.simulators.practicepanther import create_simulator
from integrations.storage.tables import OAuthTokenRow
from tests.helpers.http_server import serve_app
from tests.integrations.practicepanther.support import SIM_APP

pytestmark = [pytest.mark.anyio, pytest.mark.integration]
AUTH = {"Authorization": "Bearer test-admin-token-0123456789"}
PREFIX = "/api/v1/integrations/practicepanther/oauth"


@pytest.fixture(name="base")
def _base() -> Iterator[str]:
    with serve_app(create_simulator(seed=2).asgi) as url:
        yield url


async def _configure(services: Services, base: str, **credentials: str) -> None:
    update = IntegrationSettingsUpdate.model_validate(
        {"enabled": True, "mode": "live", "base_url": base,
         "credentials": {**SIM_APP, **credentials}}
    )  # fmt: skip
    await services.update_config("practicepanther", update, changed_by="test")


@pytest.fixture(name="api")
async def _api(
    settings: Settings, services: Services, base: str
) -> AsyncIterator[httpx2.AsyncClient]:
    await _configure(services, base)
    app = create_app(settings, services)
    async with app.router.lifespan_context(app):
        app.state.factory = IntegrationFactory(services)
        transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            yield c
        await app.state.factory.close()


async def _start(api: httpx2.AsyncClient) -> tuple[str, str]:
    """(state, redirect URI with code) as the browser would bring them back."""
    started = await api.get(f"{PREFIX}/start", headers=AUTH)
    assert started.status_code == 200, started.text
    body = started.json()
    assert body["redirect_uri"] == f"http://127.0.0.1{PREFIX}/callback"
    granted = httpx2.get(body["authorize_url"])  # the user approves at the simulator
    assert granted.status_code == 302
    back = httpx2.URL(granted.headers["location"])
    return str(back.params["state"]), str(back.params["code"])


def _field(answer: httpx2.Response) -> tuple[int, str, str]:
    error: dict[str, Any] = answer.json()["error"]
    return answer.status_code, error["errors"][0]["field"], error["errors"][0]["reason"]


async def test_connect_stores_encrypted_tokens_and_the_state_is_single_use(
    api: httpx2.AsyncClient, services: Services
) -> None:
    state, code = await _start(api)
    done = await api.get(f"{PREFIX}/callback", params={"state": state, "code": code})
    assert done.status_code == 200, done.text
    assert done.json()["connected"] is True and "token" not in done.text.replace("tokens", "")
    async with services.db.sessions() as session:
        row = await session.scalar(select(OAuthTokenRow).where(OAuthTokenRow.account == "default"))
    store = DatabaseTokenStore(services.db, services.box, integration="practicepanther")
    stored = await store.load()
    assert row is not None and stored is not None
    assert stored.access_token not in row.access_token  # encrypted at rest
    assert stored.refresh_token and stored.refresh_token not in (row.refresh_token or "")
    again = await api.get(f"{PREFIX}/callback", params={"state": state, "code": code})
    assert _field(again) == (400, "state", "unknown or already used")
    user = await api.post("/api/v1/integrations/practicepanther/actions/test_connection",
                          json={}, headers=AUTH)  # fmt: skip
    assert user.status_code == 200 and user.json()["connected"] is True


async def test_bad_callbacks_answer_400_naming_the_field(
    api: httpx2.AsyncClient, services: Services
) -> None:
    assert _field(await api.get(f"{PREFIX}/callback"))[:2] == (400, "state")
    unknown = await api.get(f"{PREFIX}/callback", params={"state": "nope", "code": "c"})
    assert _field(unknown) == (400, "state", "unknown or already used")
    states = DatabaseTokenStore(services.db, services.box, integration="practicepanther")
    await states.put_state("old", "http://127.0.0.1/cb", time.time() - 1)
    expired = await api.get(f"{PREFIX}/callback", params={"state": "old", "code": "c"})
    assert _field(expired) == (400, "state", "expired")
    state, _ = await _start(api)
    denied = await api.get(f"{PREFIX}/callback", params={"state": state, "error": "access_denied"})
    assert _field(denied)[:2] == (400, "error")
    state, _ = await _start(api)
    refused = await api.get(f"{PREFIX}/callback", params={"state": state, "code": "forged"})
    assert _field(refused)[:2] == (400, "code")


async def test_start_needs_the_admin_token_and_an_https_redirect(
    api: httpx2.AsyncClient, services: Services, base: str
) -> None:
    assert (await api.get(f"{PREFIX}/start")).status_code == 401
    await _configure(services, base, redirect_uri="http://example.com/callback")
    refused = await api.get(f"{PREFIX}/start", headers=AUTH)
    assert _field(refused)[:2] == (400, "redirect_uri")
    await _configure(services, base, redirect_uri="https://example.com/callback")
    redirected = await api.get(f"{PREFIX}/start", params={"redirect": "true"}, headers=AUTH)
    assert redirected.status_code == 302
    assert "redirect_uri=https%3A%2F%2Fexample.com%2Fcallback" in redirected.headers["location"]
