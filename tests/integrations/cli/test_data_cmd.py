"""`integrations data ...` and `config list` read the database as the API does."""

from __future__ import annotations

import asyncio
import json

import pytest
from typer.testing import CliRunner

from integrations.cli.main import app
from integrations.config import Settings
from integrations.registry import built_connectors
from integrations.services import Services
from integrations.storage.tables import Base
from integrations.storage.tables_vendor import DocumentRow


async def _seed(settings: Settings) -> None:
    services = Services(settings)
    async with services.db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with services.db.sessions.begin() as session:
        session.add(
            DocumentRow(integration="pandadoc", external_id="d1", status="document.sent", raw={})
        )
    await services.close()


@pytest.fixture(name="env")
def _env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTEGRATIONS_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("INTEGRATIONS_VAR_DIR", str(settings.var_dir))
    assert settings.secret_key is not None
    monkeypatch.setenv("INTEGRATIONS_SECRET_KEY", settings.secret_key.get_secret_value())


def test_documents_and_config_list(settings: Settings, env: None) -> None:
    """Stored documents print as JSON pages; `config list` shows built connectors only."""
    asyncio.run(_seed(settings))
    runner = CliRunner()
    listed = runner.invoke(app, ["data", "pandadoc", "documents", "--json"])
    one = runner.invoke(app, ["data", "pandadoc", "document", "d1"])
    bad = runner.invoke(app, ["data", "typeform", "responses", "F1", "--since", "yesterday"])
    connectors = runner.invoke(app, ["config", "list", "--json"])

    assert listed.exit_code == 0, listed.output
    assert [d["id"] for d in json.loads(listed.output)["items"]] == ["d1"]
    assert one.exit_code == 0 and json.loads(one.output)["status"] == "document.sent"
    assert bad.exit_code == 2 and "--since" in bad.output
    assert [c["name"] for c in json.loads(connectors.output)] == built_connectors()
