"""Requests safe by construction: path parameters, credentials, base URLs, header values."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.core.clock import VirtualClock
from integrations.core.request_safety import check_base_url, clean_credentials
from integrations.core.spec import ProviderSpec
from integrations.core.urls import api_path, quote_segment
from integrations.errors import ConfigError, NotFoundError
from integrations.simulators.transport import SimulatorTransport
from integrations.simulators.typeform import create_simulator
from integrations.typeform import TypeformIntegration, operations
from tests.helpers.pipeline import DemoIntegration

IDS = st.text(min_size=1, max_size=40)


@pytest.mark.parametrize(
    ("value", "segment"),
    [
        pytest.param("abc-123_x.y~z", "abc-123_x.y~z", id="unreserved-kept"),
        pytest.param("../../forms/VICTIM", "..%2F..%2Fforms%2FVICTIM", id="traversal"),
        pytest.param("..", "%2E%2E", id="dot-dot"),
        pytest.param(".", "%2E", id="dot"),
        pytest.param("a?b#c", "a%3Fb%23c", id="query-fragment"),
        pytest.param("100%", "100%25", id="percent"),
    ],
)
def test_quote_segment(value: str, segment: str) -> None:
    """Every byte that could change the path's structure is encoded."""
    assert quote_segment(value) == segment


def test_api_path_fills_each_parameter_as_one_segment() -> None:
    """Named parameters become encoded segments; an empty one is refused."""
    path = api_path("/forms/{form_id}/webhooks/{tag}", form_id="F/1", tag="t?x")
    assert path == "/forms/F%2F1/webhooks/t%3Fx"
    with pytest.raises(ValueError, match="empty"):
        api_path("/forms/{form_id}", form_id="")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(form_id=IDS, tag=IDS)
async def test_property_an_id_is_always_one_encoded_segment(form_id: str, tag: str) -> None:
    """For any ids, the path the simulator receives is the operation's path with each id as
    exactly one encoded segment (a tag of "../../forms/VICTIM" cannot reach another form)."""
    sim = create_simulator(seed=1, retry_delays=(), backoff_delays=())
    sim.set_rate_limits([])
    client = TypeformIntegration(
        transport=SimulatorTransport(sim), credentials={"token": "tfp_x"}, clock=VirtualClock()
    )
    try:
        await operations.delete_webhook(client, form_id, tag)
    except NotFoundError:
        pass  # the form does not exist: what matters is where the request went
    finally:
        await client.aclose()
    (recorded,) = sim.journal.all(method="DELETE")
    parts = recorded.raw_path.split("/")
    assert parts[:2] == ["", "forms"] and parts[3] == "webhooks" and len(parts) == 5
    assert unquote(parts[2]) == form_id and unquote(parts[4]) == tag


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("key\r\nX-Injected: yes", id="crlf"),
        pytest.param("key\nX-Injected: yes", id="lf"),
        pytest.param("key\x00", id="nul"),
    ],
)
def test_a_credential_with_a_line_break_is_refused_by_name(value: str) -> None:
    """The error names the credential and never shows its value."""
    with pytest.raises(ConfigError) as caught:
        clean_credentials({"api_key": value}, integration="demo")
    assert caught.value.problems[0][0] == "credentials.api_key"
    assert "X-Injected" not in str(caught.value) + repr(caught.value.to_dict())


def test_credentials_lose_surrounding_whitespace() -> None:
    """A pasted key's trailing newline is not part of the key."""
    assert clean_credentials({"api_key": "  sk_live_1\n"}, integration="demo") == {
        "api_key": "sk_live_1"
    }


def test_a_client_cannot_be_built_with_an_injecting_credential() -> None:
    """Building the connector with such a credential fails before any request exists."""
    spec = ProviderSpec("demo", "https://api.example.org")
    with pytest.raises(ConfigError, match="unusable credentials"):
        DemoIntegration(spec, credentials={"api_key": "k\r\nX-Injected: yes"})


@pytest.mark.parametrize(
    ("url", "allowed", "ok"),
    [
        pytest.param("https://api.pandadoc.com", ("api.pandadoc.com",), True, id="allowed"),
        pytest.param("https://eu.pandadoc.com", ("*.pandadoc.com",), True, id="wildcard"),
        pytest.param("https://evil.example", ("*.pandadoc.com",), False, id="other-host"),
        pytest.param("https://pandadoc.com.evil.example", ("*.pandadoc.com",), False, id="suffix"),
        pytest.param("http://api.pandadoc.com", (), False, id="plain-http"),
        pytest.param("http://127.0.0.1:9100", ("api.pandadoc.com",), True, id="loopback"),
        pytest.param("http://[::1]:9100", (), True, id="loopback-v6"),
        pytest.param("http://localhost:9100", (), True, id="localhost"),
        pytest.param("https://anything.example", (), True, id="no-allow-list"),
    ],
)
def test_base_url_rules(url: str, allowed: tuple[str, ...], ok: bool) -> None:
    """https only (loopback excepted), within the connector's allowed hosts."""
    if ok:
        check_base_url(url, integration="pandadoc", allowed_hosts=allowed)
    else:
        with pytest.raises(ConfigError) as caught:
            check_base_url(url, integration="pandadoc", allowed_hosts=allowed)
        assert caught.value.problems[0][0] == "base_url"


def test_a_live_client_refuses_a_base_url_outside_its_hosts() -> None:
    """A PandaDoc client pointed at another host over http is never built."""
    from integrations.pandadoc import PandaDocIntegration
    from integrations.pandadoc.spec import PANDADOC_SPEC

    spec = PANDADOC_SPEC.__class__(**{**_fields(PANDADOC_SPEC), "base_url": "http://evil.test"})
    with pytest.raises(ConfigError, match="base_url"):
        PandaDocIntegration(spec, credentials={"api_key": "k"})


def _fields(spec: ProviderSpec) -> dict[str, object]:
    import dataclasses

    return {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec)}


def test_importing_core_loads_no_storage() -> None:
    """`import integrations.core.client` loads neither SQLAlchemy nor our tables."""
    code = (
        "import sys, integrations.core.client, integrations.core.transport;"
        "bad = [m for m in sys.modules if m.split('.')[0] == 'sqlalchemy'"
        " or m.startswith(('integrations.storage', 'integrations.telemetry'))];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
