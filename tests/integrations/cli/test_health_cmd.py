"""`integrations health`: the same checks as the API, stored; exit 1 when something is
unhealthy, 2 for an unknown name."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from integrations.cli.main import app
from integrations.config import load_settings
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.storage.tables import HealthRow

pytestmark = pytest.mark.integration


@pytest.fixture(name="db_url")
def _db_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, secret_key: str) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("INTEGRATIONS_DATABASE_URL", url)
    monkeypatch.setenv("INTEGRATIONS_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("INTEGRATIONS_SECRET_KEY", secret_key)
    assert CliRunner().invoke(app, ["db", "upgrade"]).exit_code == 0
    return url


def _configure(name: str, **fields: object) -> None:
    async def run() -> None:
        services = Services(load_settings())
        try:
            update = IntegrationSettingsUpdate.model_validate({"enabled": True, **fields})
            await services.update_config(name, update, changed_by="test")
        finally:
            await services.close()

    asyncio.run(run())


def _stored() -> list[tuple[str, str]]:
    async def run() -> list[tuple[str, str]]:
        services = Services(load_settings())
        try:
            async with services.db.sessions() as session:
                rows = await session.scalars(select(HealthRow).order_by(HealthRow.id))
                return [(r.integration, r.status) for r in rows]
        finally:
            await services.close()

    return asyncio.run(run())


@pytest.mark.usefixtures("db_url")
def test_one_integration_as_json_is_checked_and_stored() -> None:
    """`health mock --json` prints the report of a real check and stores it."""
    _configure("mock", mode="mock")
    result = CliRunner().invoke(app, ["health", "mock", "--json"])
    assert result.exit_code == 0, result.output
    [report] = json.loads(result.stdout)
    assert (report["integration"], report["status"], report["is_mock"]) == ("mock", "healthy", True)
    assert report["circuit_state"] == "closed"
    assert _stored() == [("mock", "healthy")]


@pytest.mark.usefixtures("db_url")
def test_unhealthy_exits_1_with_the_reason() -> None:
    """Every enabled integration is checked; a live one without credentials is unhealthy,
    the table says why, and the exit status is 1."""
    _configure("mock", mode="mock")
    _configure("typeform", mode="live")
    result = CliRunner().invoke(app, ["health"])
    assert result.exit_code == 1, result.output
    assert "unhealthy" in result.stdout
    assert "credentials missing or refused" in result.stdout
    assert sorted(_stored()) == [("mock", "healthy"), ("typeform", "unhealthy")]


@pytest.mark.usefixtures("db_url")
def test_nothing_enabled_says_so() -> None:
    """With no integration enabled there is nothing to check, and that is not a failure."""
    result = CliRunner().invoke(app, ["health"])
    assert result.exit_code == 0, result.output
    assert "no integration is enabled" in result.stdout


@pytest.mark.usefixtures("db_url")
def test_unknown_name_exits_2_naming_it() -> None:
    """An unknown name is refused before anything runs, naming it and the known ones."""
    result = CliRunner().invoke(app, ["health", "nosuch"])
    assert result.exit_code == 2
    assert "unknown integration 'nosuch'" in result.stderr
    assert "Traceback" not in result.output
