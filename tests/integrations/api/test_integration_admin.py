"""Admin API finish: built connectors only, the detail view, cache invalidation, one-pass
validation and case-insensitive log levels."""

from __future__ import annotations

import datetime as dt

import httpx2
import pytest
from typer.testing import CliRunner

from integrations.cli.main import app as cli
from integrations.config import Settings
from integrations.factory import IntegrationFactory
from integrations.registry import CONNECTORS, ConnectorInfo, built_connectors
from integrations.services import Services
from integrations.storage.tables import HealthRow

URL = "/api/v1/integrations"
PLANNED = "futurevendor"  # an entry for a later release: documented, no client, no receiver


@pytest.fixture(name="planned", autouse=True)
def _planned(monkeypatch: pytest.MonkeyPatch) -> str:
    info = ConnectorInfo(name=PLANNED, title="Future vendor", summary="planned", env=())
    monkeypatch.setitem(CONNECTORS, PLANNED, info)
    return PLANNED


def test_every_shipped_connector_is_built_and_a_planned_one_is_not() -> None:
    """Every connector of this release has a client or a receiver; a registry entry for a
    later release stays documented but is not built."""
    assert {
        "pandadoc",
        "typeform",
        "practicepanther",
        "email",
        "sms",
        "address",
        "nicednb",
        "mock",
        "generic",
    } <= set(built_connectors())
    assert PLANNED in CONNECTORS and PLANNED not in built_connectors()


async def test_not_built_connector_is_unlisted_and_unconfigurable(
    client: httpx2.AsyncClient,
) -> None:
    """It is not listed, and GET / PATCH answer 404 naming the known connectors."""
    listed = await client.get(URL)
    patched = await client.patch(f"{URL}/{PLANNED}", json={"enabled": True})

    assert PLANNED not in [i["name"] for i in listed.json()["items"]]
    assert patched.status_code == 404
    error = patched.json()["error"]
    assert error["code"] == "unknown_integration"
    assert "pandadoc" in error["message"] and "typeform" in error["message"]


def test_config_template_refuses_a_not_built_connector() -> None:
    """`config template <planned>` exits 2 listing the known connectors; pandadoc works."""
    runner = CliRunner()
    refused = runner.invoke(cli, ["config", "template", PLANNED])
    offered = runner.invoke(cli, ["config", "template", "pandadoc"])

    assert refused.exit_code == 2
    assert "pandadoc" in refused.output and "typeform" in refused.output
    assert offered.exit_code == 0 and "PANDADOC_API_KEY" in offered.output


async def test_detail_shows_call_settings_credentials_and_health(
    client: httpx2.AsyncClient, services: Services
) -> None:
    """GET one connector: its call settings with sources, credentials set/unset, latest health."""
    await client.patch(f"{URL}/pandadoc", json={"credentials": {"api_key": "pd-secret-123456"}})
    async with services.db.sessions.begin() as session:
        for minutes, status in ((0, "down"), (5, "healthy")):
            at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
            session.add(HealthRow(integration="pandadoc", status=status, checked_at=at))

    body = (await client.get(f"{URL}/pandadoc")).json()

    assert "pd-secret-123456" not in str(body)
    assert body["config"]["credentials"] == {"api_key": "set", "webhook_secret": "unset"}
    settings = {row["setting"]: row for row in body["call_settings"]["settings"]}
    assert settings["base_url"]["value"].startswith("https://")
    assert "retry.max_attempts" in settings and "circuit.failure_threshold" in settings
    assert "cache_ttl_seconds" in settings
    assert body["health"]["status"] == "healthy"


async def test_detail_without_client_or_health(client: httpx2.AsyncClient) -> None:
    """A webhook-only connector has no call settings; nothing observed yet means no health."""
    body = (await client.get(f"{URL}/generic")).json()

    assert body["call_settings"] is None and body["health"] is None


async def test_patch_names_every_bad_field_at_once(client: httpx2.AsyncClient) -> None:
    """A bad timeout, retry and a base_url off PandaDoc's hosts come back in one 422."""
    body = {
        "timeout_seconds": -1,
        "retry": {"max_attempts": 99},
        "base_url": "https://evil.example.com",
    }
    response = await client.patch(f"{URL}/pandadoc", json=body)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    fields = {e["field"] for e in error["errors"]}
    assert fields == {"timeout_seconds", "retry.max_attempts", "base_url"}
    assert (await client.get(f"{URL}/pandadoc")).json()["config"]["version"] == 0


async def test_host_alone_is_a_validation_error(client: httpx2.AsyncClient) -> None:
    """A base_url host the connector refuses is the same code as any other bad field."""
    response = await client.patch(f"{URL}/typeform", json={"base_url": "https://x.example"})

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert [e["field"] for e in response.json()["error"]["errors"]] == ["base_url"]


@pytest.mark.parametrize("level", ["debug", "Info", "WARNING", "error"])
async def test_log_level_takes_any_case(client: httpx2.AsyncClient, level: str) -> None:
    """`log_level` accepts any case, as INTEGRATIONS_LOGGING__LEVEL does, stored upper."""
    response = await client.patch(f"{URL}/mock", json={"log_level": level})

    assert response.status_code == 200, response.text
    assert response.json()["config"]["log_level"] == level.upper()


async def test_log_level_unknown_is_422(client: httpx2.AsyncClient) -> None:
    """A level that does not exist is named."""
    response = await client.patch(f"{URL}/mock", json={"log_level": "trace"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["error"]["errors"]] == ["log_level"]


@pytest.mark.parametrize(
    ("body", "expected_left"),
    [pytest.param(None, 0, id="all"), pytest.param({"pattern": "a*"}, 1, id="pattern")],
)
async def test_cache_invalidate(
    client: httpx2.AsyncClient,
    services: Services,
    settings: Settings,
    body: dict[str, str] | None,
    expected_left: int,
) -> None:
    """Every entry of the integration, or those matching the glob, are dropped; another
    integration's entries stay."""
    factory = IntegrationFactory(services)
    client_app = client._transport.app  # type: ignore[attr-defined]
    client_app.state.factory = factory
    assert factory.store is not None
    for key in ("cache:mock:aa1", "cache:mock:bb2", "cache:pandadoc:aa3"):
        await factory.store.cache_set(key, b"x", 60)

    response = await client.post(f"{URL}/mock/cache/invalidate", json=body)

    assert response.status_code == 200, response.text
    assert response.json()["deleted"] == 2 - expected_left
    assert await factory.store.cache_get("cache:pandadoc:aa3") == b"x"
    left = [await factory.store.cache_get(k) for k in ("cache:mock:aa1", "cache:mock:bb2")]
    assert sum(v is not None for v in left) == expected_left
    await factory.close()


async def test_cache_invalidate_unknown_is_404(client: httpx2.AsyncClient) -> None:
    """Only a known connector's cache can be dropped."""
    response = await client.post(f"{URL}/{PLANNED}/cache/invalidate")

    assert response.status_code == 404
