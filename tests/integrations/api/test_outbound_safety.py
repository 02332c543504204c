"""Admin updates cannot aim a connector's credentials elsewhere or forge headers with them."""

from __future__ import annotations

import httpx2
import pytest

from integrations.services import Services

AUTH = {"Authorization": "Bearer test-admin-token-0123456789"}
URL = "/api/v1/integrations/pandadoc"


@pytest.mark.parametrize(
    ("base_url", "why"),
    [
        pytest.param("http://evil.test", "https://", id="plain-http"),
        pytest.param("https://collector.evil.example", "not one of", id="foreign-host"),
    ],
)
async def test_a_base_url_outside_the_connectors_hosts_is_refused(
    client: httpx2.AsyncClient, services: Services, base_url: str, why: str
) -> None:
    """422 naming base_url, and the stored configuration keeps its version."""
    before = await services.get_config("pandadoc")
    response = await client.patch(URL, json={"base_url": base_url})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert any("base_url" in str(e) and why in str(e) for e in error["errors"]), error
    after = await services.get_config("pandadoc")
    assert after.version == before.version and after.settings.base_url is None


async def test_a_loopback_base_url_is_allowed_for_a_simulator(client: httpx2.AsyncClient) -> None:
    """http:// to loopback is what a simulator needs: accepted."""
    response = await client.patch(URL, json={"base_url": "http://127.0.0.1:9100"})
    assert response.status_code == 200, response.text


async def test_a_credential_with_a_line_break_is_refused(
    client: httpx2.AsyncClient, services: Services
) -> None:
    """422 naming the credentials field; nothing stored; the value is not echoed."""
    payload = {"credentials": {"api_key": "pd-key\r\nX-Injected: yes"}}
    response = await client.patch(URL, json=payload)
    assert response.status_code == 422, response.text
    assert "credentials" in response.text and "X-Injected" not in response.text
    assert (await services.get_config("pandadoc")).credentials == {}


async def test_credentials_are_stored_without_surrounding_whitespace(
    client: httpx2.AsyncClient, services: Services
) -> None:
    """A pasted key's trailing newline is not stored."""
    response = await client.patch(URL, json={"credentials": {"api_key": "  pd-key-1\n"}})
    assert response.status_code == 200, response.text
    assert (await services.get_config("pandadoc")).credentials == {"api_key": "pd-key-1"}
