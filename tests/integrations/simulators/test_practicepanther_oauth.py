"""The PracticePanther simulator's OAuth 2.0: authorize redirect rules, code and refresh grants,
rotation, expiry on the simulator clock, Bearer checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from integrations.core.clock import VirtualClock
from integrations.simulators.practicepanther import PracticePantherSimulator, create_simulator
from integrations.simulators.transport import SimulatorTransport

BASE = "https://app.practicepanther.com"
CLIENT = {"client_id": "pp-sim-client", "client_secret": "pp-sim-secret"}
REDIRECT = "https://example.com/oauth/callback"


@pytest.fixture(name="sim")
def _sim() -> PracticePantherSimulator:
    sim = create_simulator(seed=3)
    sim.clock.source = VirtualClock().now  # expiry follows advance(), never real time
    return sim


@pytest.fixture(name="client")
async def _client(sim: PracticePantherSimulator) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(transport=SimulatorTransport(sim), base_url=BASE) as client:
        yield client


async def _authorize(client: httpx2.AsyncClient, **overrides: str) -> httpx2.Response:
    params = {"response_type": "code", "client_id": CLIENT["client_id"], "redirect_uri": REDIRECT}
    params["state"] = "s-123"
    params.update(overrides)
    return await client.get("/OAuth/Authorize", params=params)


async def _code(client: httpx2.AsyncClient, redirect: str = REDIRECT) -> str:
    answer = await _authorize(client, redirect_uri=redirect)
    assert answer.status_code == 302
    return str(httpx2.URL(answer.headers["location"]).params["code"])


async def _exchange(client: httpx2.AsyncClient, code: str, **extra: str) -> httpx2.Response:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    return await client.post("/OAuth/Token", data={**CLIENT, **form, **extra})


async def _refresh(client: httpx2.AsyncClient, token: str) -> httpx2.Response:
    form = {"grant_type": "refresh_token", "refresh_token": token, **CLIENT}
    return await client.post("/OAuth/Token", data=form)


async def _me(client: httpx2.AsyncClient, token: str) -> httpx2.Response:
    return await client.get("/api/v2/users/me", headers={"Authorization": f"Bearer {token}"})


async def test_authorize_redirects_with_code_and_state(client: httpx2.AsyncClient) -> None:
    answer = await _authorize(client)
    location = httpx2.URL(answer.headers["location"])
    assert answer.status_code == 302
    assert str(location.copy_with(query=None)) == REDIRECT
    assert location.params["state"] == "s-123" and location.params["code"]


@pytest.mark.parametrize(
    ("redirect", "allowed"),
    [
        ("http://localhost:8000/cb", True),
        ("http://127.0.0.1:8000/cb", True),
        ("http://example.com/cb", False),
        ("ftp://example.com/cb", False),
        ("not a url", False),
    ],
)
async def test_redirect_must_be_https_except_loopback(
    client: httpx2.AsyncClient, redirect: str, allowed: bool
) -> None:
    answer = await _authorize(client, redirect_uri=redirect)
    assert answer.status_code == (302 if allowed else 400)
    if not allowed:
        assert answer.json()["error"] == "invalid_request"
        assert "location" not in answer.headers


async def test_authorize_refuses_unknown_client_and_missing_state(
    client: httpx2.AsyncClient, sim: PracticePantherSimulator
) -> None:
    assert (await _authorize(client, client_id="other")).json()["error"] == "invalid_client"
    assert (await _authorize(client, state="")).status_code == 400
    wrong_type = await _authorize(client, response_type="token")
    assert "error=unsupported_response_type" in wrong_type.headers["location"]
    sim.oauth.authorize_outcome = "deny"
    denied = await _authorize(client)
    assert httpx2.URL(denied.headers["location"]).params["error"] == "access_denied"


async def test_registered_redirects_are_enforced(
    client: httpx2.AsyncClient, sim: PracticePantherSimulator
) -> None:
    sim.oauth.redirect_uris = [REDIRECT]
    assert (await _authorize(client)).status_code == 302
    assert (await _authorize(client, redirect_uri="https://evil.example/cb")).status_code == 400


async def test_code_exchange_gives_working_tokens_once(client: httpx2.AsyncClient) -> None:
    code = await _code(client)
    tokens = (await _exchange(client, code)).json()
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 86_400
    assert (await _me(client, tokens["access_token"])).json()["display_name"] == "Alex Morgan"
    again = await _exchange(client, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


async def test_token_endpoint_checks_client_and_form(client: httpx2.AsyncClient) -> None:
    code = await _code(client)
    wrong = await _exchange(client, code, client_secret="nope")
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_client"
    as_json = await client.post("/OAuth/Token", json={"grant_type": "authorization_code"})
    assert as_json.json()["error"] == "invalid_request"
    other = await client.post("/OAuth/Token", data={**CLIENT, "grant_type": "password"})
    assert other.json()["error"] == "unsupported_grant_type"
    mismatch = await _exchange(client, await _code(client), redirect_uri="https://example.com/x")
    assert mismatch.json()["error"] == "invalid_grant"


async def test_basic_client_authentication(client: httpx2.AsyncClient) -> None:
    code = await _code(client)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    answer = await client.post(
        "/OAuth/Token", data=form, auth=(CLIENT["client_id"], CLIENT["client_secret"])
    )
    assert answer.status_code == 200 and answer.json()["access_token"]


async def test_refresh_tokens_rotate(client: httpx2.AsyncClient) -> None:
    first = (await _exchange(client, await _code(client))).json()
    second = (await _refresh(client, first["refresh_token"])).json()
    assert second["refresh_token"] != first["refresh_token"]
    reused = await _refresh(client, first["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    third = await _refresh(client, second["refresh_token"])
    assert third.status_code == 200
    assert (await _me(client, third.json()["access_token"])).status_code == 200


async def test_access_tokens_expire_on_the_configured_lifetime(
    client: httpx2.AsyncClient, sim: PracticePantherSimulator
) -> None:
    sim.oauth.access_token_lifetime_seconds = 60
    tokens = (await _exchange(client, await _code(client))).json()
    assert tokens["expires_in"] == 60
    await sim.advance(59)
    assert (await _me(client, tokens["access_token"])).status_code == 200
    await sim.advance(1)
    expired = await _me(client, tokens["access_token"])
    assert expired.status_code == 401 and "Bearer" in expired.headers["www-authenticate"]
    sim.oauth.expired_token_answer = "400"
    assert (await _me(client, tokens["access_token"])).json()["error"] == "invalid_grant"
    assert (await _me(client, "never-issued")).status_code == 401  # unknown stays 401
    assert (await _refresh(client, tokens["refresh_token"])).status_code == 200


async def test_refresh_tokens_expire(
    client: httpx2.AsyncClient, sim: PracticePantherSimulator
) -> None:
    sim.oauth.refresh_token_lifetime_seconds = 3600
    tokens = (await _exchange(client, await _code(client))).json()
    await sim.advance(3600)
    answer = await _refresh(client, tokens["refresh_token"])
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


async def test_codes_expire_and_expires_in_can_be_left_out(
    client: httpx2.AsyncClient, sim: PracticePantherSimulator
) -> None:
    code = await _code(client)
    await sim.advance(601)
    assert (await _exchange(client, code)).json()["error"] == "invalid_grant"
    sim.oauth.send_expires_in = False
    tokens: dict[str, Any] = (await _exchange(client, await _code(client))).json()
    assert "expires_in" not in tokens and tokens["access_token"]


async def test_missing_or_malformed_bearer_is_401(client: httpx2.AsyncClient) -> None:
    assert (await client.get("/api/v2/contacts")).status_code == 401
    basic = await client.get("/api/v2/contacts", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401
    assert basic.json() == {"Message": "Authorization has been denied for this request."}
