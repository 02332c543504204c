"""`GET /api/v1/integrations/{name}/settings`: the call settings in effect, as `config show`."""

from __future__ import annotations

import httpx2
import pytest

from integrations.effective_settings import describe
from integrations.factory import IntegrationFactory
from integrations.registry import CONNECTORS, ConnectorInfo
from integrations.services import Services

AUTH = {"Authorization": "Bearer test-admin-token-0123456789"}
URL = "/api/v1/integrations"
SECRET = "pd-live-key-settings-9c1"


async def test_settings_follow_a_patch(client: httpx2.AsyncClient, services: Services) -> None:
    """After a PATCH, the endpoint shows the operator's value, the connector's for the rest,
    the same document `describe` (and so `config show --json`) gives, and no secret."""
    body = {"retry": {"max_attempts": 4}, "credentials": {"api_key": SECRET}}
    assert (await client.patch(f"{URL}/pandadoc", json=body)).status_code == 200

    response = await client.get(f"{URL}/pandadoc/settings")

    assert response.status_code == 200, response.text
    assert SECRET not in response.text
    report = response.json()
    assert report["client_built"] is True and report["version"] == 1
    rows = {r["setting"]: (r["value"], r["source"]) for r in report["settings"]}
    assert rows["retry.max_attempts"] == (4, "runtime config")
    assert rows["retry.cap_seconds"] == (32.0, "connector spec")
    factory = IntegrationFactory(services)
    try:
        assert report == (await describe(factory, "pandadoc")).to_json()
    finally:
        await factory.close()


@pytest.mark.parametrize(
    ("name", "code"),
    [
        pytest.param("nope", "unknown_integration", id="unknown"),
        pytest.param("futurevendor", "unknown_integration", id="not-built"),
        pytest.param("generic", "no_call_settings", id="no-client"),
    ],
)
async def test_no_settings_is_404(
    client: httpx2.AsyncClient, name: str, code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unknown connector, one planned for a later release (a registry entry with neither
    client nor receiver), or one without a client answers 404 with a code naming why."""
    planned = ConnectorInfo(name="futurevendor", title="Future", summary="planned", env=())
    monkeypatch.setitem(CONNECTORS, "futurevendor", planned)
    response = await client.get(f"{URL}/{name}/settings")

    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == code
    assert name in response.json()["error"]["message"]


async def test_settings_need_an_admin_token(client: httpx2.AsyncClient) -> None:
    """Without a bearer token the endpoint answers 401 and shows nothing."""
    response = await client.get(f"{URL}/pandadoc/settings", headers={"Authorization": ""})

    assert response.status_code == 401
    assert "retry" not in response.text
