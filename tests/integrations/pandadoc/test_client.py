"""The PandaDoc client: credentials, host, sandbox and limit profiles, auth headers, OAuth."""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx2
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from structlog.testing import capture_logs

from integrations.core.clock import VirtualClock
from integrations.core.spec import RateLimitRule
from integrations.errors import AuthError, ConfigError
from integrations.factory import IntegrationFactory
from integrations.pandadoc import PANDADOC_SPEC, PandaDocIntegration
from integrations.pandadoc import operations as ops
from integrations.pandadoc.auth import (
    OAuthTokens,
    build_refresh_request,
    parse_token_response,
    resolve_credentials,
)
from integrations.pandadoc.exceptions import TokenRefreshError
from integrations.pandadoc.spec import (
    CREATE_SOURCE,
    LIMIT_PROFILES,
    PandaDocSpec,
    rate_limits_for,
)
from integrations.registry import CONNECTORS
from integrations.runtime_config import IntegrationSettings, IntegrationSettingsUpdate
from integrations.services import Services
from integrations.simulators.faults import FaultPlan
from integrations.simulators.pandadoc import PandaDocSimulator
from integrations.simulators.transport import SimulatorTransport
from tests.integrations.pandadoc.conftest import KEY, LinkedClock, make_client

TEMPLATES = "/public/v1/templates"


def _offline() -> httpx2.AsyncBaseTransport:
    """For tests that build clients and never call out: any request fails the test."""

    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise AssertionError(f"unexpected request to {request.url}")

    return httpx2.MockTransport(refuse)


def _limits(spec: PandaDocSpec) -> dict[str, int]:
    return {r.name: r.limit for r in spec.rate_limits if r.name}


@pytest.mark.parametrize(
    ("given", "environ", "dotenv", "expected"),
    [
        pytest.param(
            {"api_key": "given"}, {"PANDADOC_API_KEY": "env"}, "dot", "given", id="config"
        ),
        pytest.param({}, {"PANDADOC_API_KEY": "env"}, "dot", "env", id="environment"),
        pytest.param({}, {}, "dot", "dot", id="dotenv"),
        pytest.param({"api_key": ""}, {}, "dot", "dot", id="empty-config-value"),
    ],
)
def test_credentials_come_from_config_then_environment_then_dotenv(
    tmp_path: Path, given: dict[str, str], environ: dict[str, str], dotenv: str, expected: str
) -> None:
    """The runtime configuration wins, then `PANDADOC_API_KEY`, then `./.env`."""
    env_file = tmp_path / "pd.env"
    env_file.write_text(f"PANDADOC_API_KEY={dotenv}\nOTHER=1\n")
    client = PandaDocIntegration(
        credentials=given,
        environ=environ,
        dotenv=env_file,
        transport=_offline(),
    )
    assert client.credentials["api_key"] == expected
    assert client.build_request("GET", TEMPLATES).headers["authorization"] == f"API-Key {expected}"


def test_missing_credentials_fail_fast_except_in_mock_mode(tmp_path: Path) -> None:
    """Without a key or token a live client is a ConfigError naming the variable; a mock
    client gets a placeholder key the simulator accepts."""
    with pytest.raises(ConfigError, match="PANDADOC_API_KEY"):
        PandaDocIntegration(environ={}, dotenv=tmp_path / "absent.env")
    mock = PandaDocIntegration(environ={}, dotenv=None, is_mock=True, transport=_offline())
    assert mock.credentials == {"api_key": "simulator"}
    assert resolve_credentials({"api_key": None}, {}) == {}


@pytest.mark.parametrize(
    ("environ", "settings", "expected"),
    [
        pytest.param({}, None, "https://api.pandadoc.com", id="default"),
        pytest.param(
            {"PANDADOC_BASE_URL": "http://pd.local:8080/"}, None, "http://pd.local:8080", id="env"
        ),
        pytest.param(
            {"PANDADOC_BASE_URL": "http://pd.local:8080"},
            IntegrationSettings(base_url="https://eu.pandadoc.example/"),
            "https://eu.pandadoc.example",
            id="runtime-wins",
        ),
    ],
)
def test_host_comes_from_runtime_config_then_environment(
    environ: dict[str, str], settings: IntegrationSettings | None, expected: str
) -> None:
    """A runtime `base_url` beats `PANDADOC_BASE_URL`, which beats the default host."""
    spec = PANDADOC_SPEC.with_settings(settings) if settings else PANDADOC_SPEC
    client = PandaDocIntegration(
        spec,
        credentials={"api_key": "k"},
        environ=environ,
        transport=_offline(),
    )
    assert str(client.build_request("GET", TEMPLATES).url) == f"{expected}{TEMPLATES}"


@pytest.mark.parametrize(
    ("kwargs", "credentials", "environ"),
    [
        pytest.param({"sandbox": True}, {}, {}, id="argument"),
        pytest.param({}, {"sandbox": "true"}, {}, id="credential"),
        pytest.param({}, {}, {"PANDADOC_SANDBOX": "1"}, id="environment"),
    ],
)
def test_sandbox_profile_is_ten_a_minute_everywhere(
    kwargs: dict[str, Any], credentials: dict[str, str], environ: dict[str, str]
) -> None:
    """A sandbox key (argument, credential or environment) gets one 10/min rule on every
    endpoint, and the flag is not kept as a secret credential."""
    client = PandaDocIntegration(
        credentials={"api_key": "k", **credentials},
        environ=environ,
        transport=_offline(),
        **kwargs,
    )
    assert client.sandbox
    assert [(r.limit, r.period_seconds, r.name) for r in client.spec.rate_limits] == [
        (10, 60.0, "sandbox")
    ]
    assert "sandbox" not in client.credentials
    request = client.build_request("GET", "/public/v1/documents/abc/download")
    assert client.spec.rate_limits[0].matches(request)


def test_runtime_options_pick_profile_override_endpoints_and_keep_global_windows() -> None:
    """`options` choose the limits page's numbers, override one endpoint, or switch to the
    sandbox; the registry's global window stays next to the endpoint rules."""
    defaults = CONNECTORS["pandadoc"].defaults
    assert _limits(PANDADOC_SPEC.with_settings(defaults)) == LIMIT_PROFILES["changelog-2025"]
    assert any(
        r.limit == 300 and not r.path for r in PANDADOC_SPEC.with_settings(defaults).rate_limits
    )
    options = {"limits_profile": "limits-page", "endpoint_limits": {"send": 150}}
    spec = PANDADOC_SPEC.with_settings(defaults.model_copy(update={"options": options}))
    assert _limits(spec) == LIMIT_PROFILES["limits-page"] | {"send": 150}
    assert spec.limits_profile == "limits-page"
    sandboxed = PANDADOC_SPEC.with_settings(IntegrationSettings(options={"sandbox": True}))
    assert sandboxed.sandbox and [r.name for r in sandboxed.rate_limits] == ["sandbox"]
    back = sandboxed.with_settings(IntegrationSettings(options={"sandbox": False}))
    assert _limits(back) == LIMIT_PROFILES["changelog-2025"]


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"limits_profile": "fastest"}, id="unknown-profile"),
        pytest.param({"endpoint_limits": {"teleport": 5}}, id="unknown-endpoint"),
        pytest.param({"endpoint_limits": {"send": 0}}, id="zero"),
        pytest.param({"endpoint_limits": {"send": True}}, id="boolean"),
        pytest.param({"endpoint_limits": [1]}, id="not-a-mapping"),
    ],
)
def test_invalid_limit_options_are_config_errors(options: dict[str, Any]) -> None:
    """A wrong profile, endpoint name or limit is refused with the field named."""
    with pytest.raises(ConfigError) as caught:
        PANDADOC_SPEC.with_settings(IntegrationSettings(options=options))
    assert caught.value.problems


@pytest.mark.parametrize(
    ("request_kw", "rule"),
    [
        pytest.param(
            {"json": {"template_uuid": "t", "recipients": []}},
            "create_template",
            id="json-template",
        ),
        pytest.param(
            {"json": {"url": "https://x/a.pdf", "name": "A"}}, "create_pdf", id="json-url"
        ),
        pytest.param({"files": {"file": ("a.pdf", b"%PDF")}}, "create_pdf", id="multipart"),
        pytest.param({"json": {"url": "x"}, "ext": "template"}, "create_template", id="extension"),
    ],
)
def test_create_rules_tell_template_from_pdf(request_kw: dict[str, Any], rule: str) -> None:
    """Both creates share `POST /documents`; the extension, else the body, picks the window."""
    ext = request_kw.pop("ext", None)
    request = httpx2.Request("POST", "https://api.pandadoc.com/public/v1/documents", **request_kw)
    if ext:
        request.extensions[CREATE_SOURCE] = ext
    matched = [r.name for r in rate_limits_for() if r.matches(request)]
    assert matched == [rule]


def test_oauth_bearer_header_and_api_key_precedence() -> None:
    """An access token goes as `Bearer`; an API key, when both are set, wins."""
    transport = _offline()
    oauth = PandaDocIntegration(credentials={"access_token": "at"}, transport=transport)
    assert oauth.build_request("GET", TEMPLATES).headers["authorization"] == "Bearer at"
    both = PandaDocIntegration(
        credentials={"access_token": "at", "api_key": "k"}, transport=transport
    )
    assert both.build_request("GET", TEMPLATES).headers["authorization"] == "API-Key k"
    assert not oauth.uses_oauth  # no refresh token: a 401 is final


async def test_health_check_and_a_refused_key(
    client: PandaDocIntegration, sim: PandaDocSimulator, clock: LinkedClock
) -> None:
    """A valid key is healthy; a wrong one is AuthError with PandaDoc's detail and no key
    in the error or the logs."""
    health = await client.health_check()
    assert health.healthy and health.message == "pandadoc answered"
    wrong = make_client(sim, clock, credentials={"api_key": "pd-wrong-key-987654321"})
    with capture_logs() as logs, pytest.raises(AuthError) as caught:
        await wrong.health_check()
    assert caught.value.status == 401 and "Invalid token" in caught.value.message
    assert "pd-wrong-key-987654321" not in f"{caught.value} {caught.value.body} {logs}"
    await wrong.aclose()


def test_build_refresh_request_is_the_spec_form() -> None:
    """The refresh is a form-encoded POST to `/oauth2/access_token`; scope only if given."""
    request = build_refresh_request(
        "https://api.pandadoc.com/", client_id="c", client_secret="s", refresh_token="r"
    )
    assert (request.method, str(request.url)) == (
        "POST",
        "https://api.pandadoc.com/oauth2/access_token",
    )
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.content.decode()) == {
        "grant_type": ["refresh_token"],
        "client_id": ["c"],
        "client_secret": ["s"],
        "refresh_token": ["r"],
    }
    scoped = build_refresh_request(
        "https://h", client_id="c", client_secret="s", refresh_token="r", scope="read+write"
    )
    assert parse_qs(scoped.content.decode())["scope"] == ["read+write"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            {"access_token": "a", "refresh_token": "r", "expires_in": 31535999, "scope": "read"},
            OAuthTokens("a", "r", 31535999.0, "Bearer", "read"),
            id="full",
        ),
        pytest.param({"access_token": "a"}, OAuthTokens("a", None, None), id="minimal"),
    ],
)
def test_parse_token_response(body: dict[str, Any], expected: OAuthTokens) -> None:
    """Token answers become `OAuthTokens`; an answer without an access token is refused."""
    assert parse_token_response(body) == expected
    with pytest.raises(ValueError, match="access_token"):
        parse_token_response({"error": "invalid_grant"})


class TokenEndpoint:
    """PandaDoc's `/oauth2/access_token` for these tests (the simulator has none): hands out
    `fresh-N` tokens while `refuse` is False, `400 invalid_grant` otherwise."""

    def __init__(self, sim: PandaDocSimulator) -> None:
        self.sim = sim
        self.forms: list[dict[str, list[str]]] = []
        self.refuse = False

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/oauth2/access_token")
        async def token(request: Request) -> JSONResponse:
            form = parse_qs((await request.body()).decode())
            self.forms.append(form)
            if self.refuse:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            access = f"fresh-{len(self.forms)}"
            self.sim.api_keys = {access}
            body = {"access_token": access, "refresh_token": f"r{len(self.forms) + 1}"}
            return JSONResponse(body | {"token_type": "Bearer", "expires_in": 31535999})

        return app


class Routes(httpx2.AsyncBaseTransport):
    """OAuth paths to the token endpoint, everything else to the simulator."""

    def __init__(self, sim: PandaDocSimulator, tokens: TokenEndpoint) -> None:
        self.api = SimulatorTransport(sim)
        self.oauth = httpx2.ASGITransport(app=tokens.app())

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        target = self.oauth if request.url.path.startswith("/oauth2") else self.api
        return await target.handle_async_request(request)


@pytest.fixture(name="tokens")
def _tokens(sim: PandaDocSimulator) -> TokenEndpoint:
    sim.api_keys = {"current-token"}
    return TokenEndpoint(sim)


def _oauth_client(
    sim: PandaDocSimulator, tokens: TokenEndpoint, clock: VirtualClock, **kw: Any
) -> PandaDocIntegration:
    credentials = {
        "access_token": "expired-token",
        "refresh_token": "r1",
        "client_id": "cid",
        "client_secret": "csecret",
    }
    return PandaDocIntegration(
        credentials=credentials, transport=Routes(sim, tokens), clock=clock, **kw
    )


async def test_oauth_refreshes_once_on_401_and_retries(
    sim: PandaDocSimulator, tokens: TokenEndpoint, clock: LinkedClock
) -> None:
    """A 401 with an expired token refreshes it (refresh grant, rotated refresh token,
    listener told) and the call succeeds on its second try."""
    seen: list[OAuthTokens] = []

    async def listener(new: OAuthTokens) -> None:
        seen.append(new)

    client = _oauth_client(sim, tokens, clock, token_listener=listener)
    assert client.uses_oauth
    templates = await ops.list_templates(client)
    assert len(templates) == 3
    assert tokens.forms == [
        {
            "grant_type": ["refresh_token"],
            "client_id": ["cid"],
            "client_secret": ["csecret"],
            "refresh_token": ["r1"],
        }
    ]
    assert [r.status for r in sim.journal.all(path=TEMPLATES)] == [401, 200]
    assert sim.journal.all(path=TEMPLATES)[-1].headers["authorization"] == "Bearer fresh-1"
    assert client.credentials["refresh_token"] == "r2" and [t.access_token for t in seen] == [
        "fresh-1"
    ]
    await client.aclose()


async def test_concurrent_401s_share_one_refresh(
    sim: PandaDocSimulator, tokens: TokenEndpoint, clock: LinkedClock
) -> None:
    """Five calls failing with the same expired token cause one refresh, and all succeed."""
    client = _oauth_client(sim, tokens, clock)
    sim.faults.set(f"GET {TEMPLATES}", FaultPlan(latency_ms=5))  # all five are in flight
    results = await asyncio.gather(*(ops.list_templates(client) for _ in range(5)))
    assert all(len(r) == 3 for r in results)
    assert len(tokens.forms) == 1
    assert sorted(r.status for r in sim.journal.all(path=TEMPLATES)) == [200] * 5 + [401] * 5
    await client.aclose()


async def test_refused_refresh_is_token_refresh_error(
    sim: PandaDocSimulator, tokens: TokenEndpoint, clock: LinkedClock
) -> None:
    """`invalid_grant` from the token endpoint ends in TokenRefreshError, not a loop."""
    tokens.refuse = True
    client = _oauth_client(sim, tokens, clock)
    with pytest.raises(TokenRefreshError) as caught:
        await ops.list_templates(client)
    assert caught.value.code == "token_refresh_failed" and isinstance(caught.value, AuthError)
    assert len(tokens.forms) == 1 and len(sim.journal.all(path=TEMPLATES)) == 1
    without = PandaDocIntegration(credentials={"access_token": "a"}, transport=Routes(sim, tokens))
    with pytest.raises(ConfigError, match="refresh_token"):
        await without.refresh_access_token()
    await client.aclose()


async def test_api_key_401_is_final(
    sim: PandaDocSimulator, tokens: TokenEndpoint, clock: LinkedClock
) -> None:
    """With an API key there is nothing to refresh: the 401 is raised at once."""
    client = make_client(sim, clock, transport=Routes(sim, tokens))
    with pytest.raises(AuthError):
        await ops.list_templates(client)
    assert tokens.forms == []
    await client.aclose()


def test_registry_names_the_connector_parts() -> None:
    """The registry entry points at this client, simulator, handlers and tools."""
    info = CONNECTORS["pandadoc"]
    module, _, name = (info.client or "").partition(":")
    assert getattr(importlib.import_module(module), name) is PandaDocIntegration
    assert PandaDocIntegration.SPEC is PANDADOC_SPEC
    assert (info.simulator, info.webhook) == ("pandadoc", "pandadoc")
    assert callable(importlib.import_module(info.handlers or "").register)
    assert importlib.import_module(info.tools or "").TOOLS


async def test_factory_builds_the_client_in_mock_mode(services: Services) -> None:
    """Enabled in mock mode, the factory hands out a PandaDoc client over the simulator
    with the runtime options applied (sandbox here) and a placeholder key."""
    update = IntegrationSettingsUpdate.model_validate(
        {"enabled": True, "mode": "mock", "options": {"sandbox": True}}
    )
    await services.update_config("pandadoc", update, changed_by="test")
    factory = IntegrationFactory(services)
    client = await factory.get("pandadoc")
    try:
        assert isinstance(client, PandaDocIntegration) and client.is_mock and client.sandbox
        assert client.credentials == {"api_key": "simulator"}
        assert [t.name for t in await ops.list_templates(client)][:1] == ["Sales Proposal"]
    finally:
        await factory.close()


def test_global_rule_from_settings_is_kept_next_to_endpoint_rules() -> None:
    """A configured window (e.g. 100/min overall) joins, not replaces, the endpoint rules."""
    settings = IntegrationSettings.model_validate(
        {"rate_limits": [{"limit": 100, "period_seconds": 60}]}
    )
    spec = PANDADOC_SPEC.with_settings(settings)
    assert spec.rate_limits[0] == RateLimitRule(100, 60.0)
    assert _limits(spec) == LIMIT_PROFILES["changelog-2025"]


def test_plain_provider_spec_is_accepted(sim: PandaDocSimulator) -> None:
    """A plain `ProviderSpec` (e.g. built by hand in a test) is upgraded to a PandaDoc spec."""
    import dataclasses

    from integrations.core.spec import ProviderSpec

    plain = ProviderSpec(
        **{f.name: getattr(PANDADOC_SPEC, f.name) for f in dataclasses.fields(ProviderSpec)}
    )
    client = PandaDocIntegration(
        plain, credentials={"api_key": KEY}, transport=SimulatorTransport(sim)
    )
    assert isinstance(client.spec, PandaDocSpec) and not client.sandbox
