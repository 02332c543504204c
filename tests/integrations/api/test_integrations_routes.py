"""`/api/v1/integrations`: list, read, partial update with history, validation errors."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from sqlalchemy import select

from integrations.api.app import create_app
from integrations.config import Settings
from integrations.registry import CONNECTORS, built_connectors
from integrations.services import Services
from integrations.storage.tables import IntegrationConfigRow

AUTH = {"Authorization": "Bearer test-admin-token-0123456789"}
URL = "/api/v1/integrations"
RAW_SECRET = "pd-live-key-5f2b9c7e1a"
UPDATE: dict[str, Any] = {
    "enabled": True,
    "mode": "mock",
    "rate_limits": [{"limit": 10, "period_seconds": 1}],
    "credentials": {"api_key": RAW_SECRET},
}


async def test_list_shows_every_connector_disabled(client: httpx2.AsyncClient) -> None:
    """Every built connector is listed, sorted, disabled until someone enables it, with
    no credential set."""
    response = await client.get(URL)

    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["name"] for i in items] == built_connectors()
    for item in items:
        assert item["title"] == CONNECTORS[item["name"]].title
        assert item["config"]["enabled"] is False
        assert item["config"]["version"] == 0
        assert set(item["config"]["credentials"].values()) <= {"unset"}


async def test_get_shows_registry_defaults(client: httpx2.AsyncClient) -> None:
    """An unconfigured connector reads as its documented defaults."""
    response = await client.get(f"{URL}/pandadoc")

    assert response.status_code == 200
    config = response.json()["config"]
    assert config["mode"] == "live"
    assert config["rate_limits"] == [{"limit": 300, "period_seconds": 60.0}]


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        pytest.param("GET", "", id="get"),
        pytest.param("PATCH", "", id="patch"),
        pytest.param("GET", "/history", id="history"),
    ],
)
async def test_unknown_integration_is_404(
    client: httpx2.AsyncClient, method: str, suffix: str
) -> None:
    """An unknown name answers 404 in the JSON error shape, naming it."""
    body = {} if method == "PATCH" else None
    response = await client.request(method, f"{URL}/nope{suffix}", json=body)

    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "unknown_integration"
    assert "'nope'" in error["message"]
    assert "pandadoc" in error["message"]


async def test_patch_applies_and_masks_credentials(client: httpx2.AsyncClient) -> None:
    """A partial update is applied, and the credentials come back masked, never in clear."""
    response = await client.patch(f"{URL}/pandadoc", json=UPDATE)

    assert response.status_code == 200, response.text
    assert RAW_SECRET not in response.text
    config = response.json()["config"]
    assert config["enabled"] is True
    assert config["mode"] == "mock"
    assert config["rate_limits"] == [{"limit": 10, "period_seconds": 1.0}]
    assert config["credentials"] == {"api_key": "set", "webhook_secret": "unset"}
    assert config["version"] == 1
    assert config["updated_by"] == "admin"
    assert config["timeout_seconds"] == 30.0

    again = await client.get(f"{URL}/pandadoc")
    listed = await client.get(URL)

    assert again.json()["config"] == config
    assert RAW_SECRET not in again.text
    assert RAW_SECRET not in listed.text


async def test_credentials_are_encrypted_at_rest(
    client: httpx2.AsyncClient, services: Services
) -> None:
    """The stored row holds a Fernet token that decrypts to the credentials, not the clear value."""
    await client.patch(f"{URL}/pandadoc", json=UPDATE)

    async with services.db.sessions() as session:
        row = await session.scalar(
            select(IntegrationConfigRow).where(IntegrationConfigRow.integration == "pandadoc")
        )

    assert row is not None
    assert row.credentials is not None
    assert RAW_SECRET not in row.credentials
    assert services.box.decrypt_json(row.credentials) == {"api_key": RAW_SECRET}


async def test_patch_keeps_fields_not_sent(client: httpx2.AsyncClient) -> None:
    """A later update of one field leaves the earlier ones, credentials included, in place."""
    await client.patch(f"{URL}/pandadoc", json=UPDATE)
    response = await client.patch(f"{URL}/pandadoc", json={"timeout_seconds": 5})

    config = response.json()["config"]
    assert config["timeout_seconds"] == 5.0
    assert config["enabled"] is True
    assert config["mode"] == "mock"
    assert config["credentials"] == {"api_key": "set", "webhook_secret": "unset"}
    assert config["version"] == 2


async def test_history_is_newest_first_and_masked(client: httpx2.AsyncClient) -> None:
    """Each change is recorded with who made it and masked old and new values."""
    await client.patch(f"{URL}/pandadoc", json=UPDATE)
    await client.patch(f"{URL}/pandadoc", json={"enabled": False})

    response = await client.get(f"{URL}/pandadoc/history")

    assert response.status_code == 200
    assert RAW_SECRET not in response.text
    items = response.json()["items"]
    assert [i["version"] for i in items] == [2, 1]
    assert {i["changed_by"] for i in items} == {"admin"}
    newest, first = items
    assert first["old"] is None
    assert first["new"]["enabled"] is True
    assert first["new"]["credentials"] == {"api_key": "***"}
    assert newest["old"]["enabled"] is True
    assert newest["old"]["credentials"] == {"api_key": "***"}
    assert newest["new"]["enabled"] is False

    limited = await client.get(f"{URL}/pandadoc/history", params={"limit": 1})
    assert [i["version"] for i in limited.json()["items"]] == [2]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        pytest.param({"mode": "bogus"}, {"mode"}, id="bad-mode"),
        pytest.param({"retry": {"max_attempts": 0}}, {"retry.max_attempts"}, id="zero-attempts"),
        pytest.param({"colour": "red"}, {"colour"}, id="unknown-field"),
        pytest.param(
            {"mode": "bogus", "retry": {"max_attempts": 0}, "colour": "red"},
            {"mode", "retry.max_attempts", "colour"},
            id="all-three",
        ),
        pytest.param({"timeout_seconds": 0}, {"timeout_seconds"}, id="merged-result-invalid"),
        pytest.param({"enabled": None}, {"enabled"}, id="null-enabled"),
    ],
)
async def test_bad_patch_is_422_and_changes_nothing(
    client: httpx2.AsyncClient, body: dict[str, Any], fields: set[str]
) -> None:
    """An invalid update names every bad field and leaves the stored configuration as it was."""
    before = (await client.patch(f"{URL}/pandadoc", json=UPDATE)).json()["config"]

    response = await client.patch(f"{URL}/pandadoc", json=body)

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert {e["field"] for e in error["errors"]} == fields
    for field in fields:
        assert field in error["message"]
    after = (await client.get(f"{URL}/pandadoc")).json()["config"]
    assert after == before
    history = (await client.get(f"{URL}/pandadoc/history")).json()["items"]
    assert len(history) == 1


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b'{"enabled": tru', id="truncated"),
        pytest.param(b"not json at all", id="not-json"),
        pytest.param(b"[1, 2]", id="array"),
        pytest.param(b'"enabled"', id="string"),
    ],
)
async def test_malformed_body_is_422(client: httpx2.AsyncClient, content: bytes) -> None:
    """A body that is not a JSON object is a validation error, never a 500."""
    response = await client.patch(
        f"{URL}/pandadoc", content=content, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"
    assert (await client.get(f"{URL}/pandadoc")).json()["config"]["version"] == 0


async def test_nested_patch_merges_field_by_field(client: httpx2.AsyncClient) -> None:
    """Patching one retry field keeps the other retry fields."""
    await client.patch(f"{URL}/mock", json={"retry": {"max_attempts": 5}})
    response = await client.patch(f"{URL}/mock", json={"retry": {"base_seconds": 2}})
    assert response.status_code == 200
    retry = response.json()["config"]["retry"]
    assert retry["max_attempts"] == 5 and retry["base_seconds"] == 2


async def test_empty_patch_changes_nothing(client: httpx2.AsyncClient) -> None:
    """An empty PATCH writes no version and no history row."""
    await client.patch(f"{URL}/mock", json={"enabled": True})
    response = await client.patch(f"{URL}/mock", json={})
    assert response.json()["config"]["version"] == 1
    history = (await client.get(f"{URL}/mock/history")).json()["items"]
    assert len(history) == 1


async def test_undecryptable_secret_is_a_server_error(
    client: httpx2.AsyncClient, services: Services
) -> None:
    """A secret stored under a lost key answers 500 with a clear code, not a 422."""
    await client.patch(f"{URL}/pandadoc", json={"credentials": {"api_key": RAW_SECRET}})
    async with services.db.sessions.begin() as session:
        row = await session.scalar(select(IntegrationConfigRow))
        assert row is not None
        row.credentials = "gAAAAABnot-a-valid-token"
    response = await client.get(f"{URL}/pandadoc")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "secret_undecryptable"


async def test_unexpected_error_is_json_500_with_trace_id(
    settings: Settings, services: Services
) -> None:
    """An unexpected exception answers a JSON 500 whose trace id matches the header."""
    app = create_app(settings, services)
    app.state.services = services

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("token=supersecret123 exploded")

    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/boom", headers={"X-Trace-Id": "trace-abc"})
    assert response.status_code == 500
    body = response.json()["error"]
    assert body["code"] == "internal_error" and body["trace_id"] == "trace-abc"
    assert response.headers["X-Trace-Id"] == "trace-abc"
    assert "supersecret123" not in response.text
