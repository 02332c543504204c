"""`integrations config show <name>`: the call settings in effect, read from the database."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from integrations.cli.main import app
from integrations.config import load_settings
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services


def _cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def _rows(output: str) -> dict[str, tuple[str, str]]:
    return {r["setting"]: (r["text"], r["source"]) for r in json.loads(output)["settings"]}


def _store(name: str, body: dict[str, Any]) -> None:
    """Store a runtime configuration the way the admin API does."""

    async def store() -> None:
        services = Services(load_settings())
        try:
            update = IntegrationSettingsUpdate.model_validate(body)
            await services.update_config(name, update, changed_by="test")
        finally:
            await services.close()

    asyncio.run(store())


@pytest.fixture(name="var_dir", autouse=True)
def _var_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A var folder (and so a secret key) of the test's own."""
    monkeypatch.setenv("INTEGRATIONS_VAR_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


@pytest.fixture(name="db_url")
def _db_url(monkeypatch: pytest.MonkeyPatch, database_url: str) -> str:
    """An upgraded, empty database on each backend, named by INTEGRATIONS_DATABASE_URL."""
    monkeypatch.setenv("INTEGRATIONS_DATABASE_URL", database_url)
    upgraded = _cli("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    return database_url


def test_json_reads_the_stored_configuration(db_url: str) -> None:
    """Values an operator stored are shown as `runtime config`, the rest as the connector's,
    from a client really built (credentials in the stored configuration)."""
    _store("pandadoc", {"retry": {"max_attempts": 4}, "credentials": {"api_key": "pd-k"}})

    result = _cli("config", "show", "pandadoc", "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["integration"], report["version"], report["enabled"]) == ("pandadoc", 1, False)
    assert report["client_built"] is True and report["note"] is None
    rows = _rows(result.stdout)
    assert rows["retry.max_attempts"] == ("4", "runtime config")
    assert rows["retry.cap_seconds"] == ("32", "connector spec")
    assert rows["rate_limits.300/60s"] == ("300 per 60 s", "registry default")
    assert "pd-k" not in result.stdout


def test_table_names_integration_and_sources(db_url: str) -> None:
    """The default output is a table titled with mode, state and version, one row a setting."""
    result = _cli("config", "show", "typeform")

    assert result.exit_code == 0, result.output
    assert "typeform: live, disabled, configuration version 0" in result.stdout
    assert re.search(r"retry\.max_attempts\s*│\s*3\s*│\s*connector spec", result.stdout)
    assert re.search(r"rate_limits\.account\s*│\s*2 per 1 s\s*│\s*connector spec", result.stdout)
    # No token anywhere: the client cannot be built, and the note says so.
    assert "note: no client could be built" in " ".join(result.stdout.split())


def test_unknown_name_exits_2_before_opening_the_database(tmp_path: Path) -> None:
    """An unknown connector is a one-line error naming the known ones, exit 2, no traceback,
    and no database is created."""
    database = tmp_path / "never.db"
    env = {"INTEGRATIONS_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}

    result = CliRunner().invoke(app, ["config", "show", "nope"], env=env)

    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert "unknown connector 'nope'" in result.stderr and "pandadoc" in result.stderr
    assert "Traceback" not in result.output
    assert not database.exists()


def test_connector_without_client_has_no_call_settings(db_url: str) -> None:
    """A connector with no client (generic only receives webhooks) says it makes no calls,
    exit 2."""
    result = _cli("config", "show", "generic")

    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert "generic has no client in this version" in result.stderr


def test_database_not_upgraded_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Before `db upgrade` the command says the database is not ready, without a traceback."""
    monkeypatch.setenv("INTEGRATIONS_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'new.db'}")

    result = _cli("config", "show", "pandadoc")

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "database error" in result.stderr and "upgraded" in result.stderr


def test_installed_script_prints_the_same(db_url: str, var_dir: Path) -> None:
    """The installed `integrations` script prints what the in-process command prints."""
    _store("pandadoc", {"enabled": True, "options": {"limits_profile": "limits-page"}})
    script = Path(sys.executable).parent / "integrations"
    env = {
        **os.environ,
        "INTEGRATIONS_DATABASE_URL": db_url,
        "INTEGRATIONS_VAR_DIR": str(var_dir),
        "PANDADOC_API_KEY": "pd-env-key",
    }

    completed = subprocess.run(
        [str(script), "config", "show", "pandadoc", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    in_process = CliRunner().invoke(
        app, ["config", "show", "pandadoc", "--json"], env={"PANDADOC_API_KEY": "pd-env-key"}
    )
    assert json.loads(completed.stdout) == json.loads(in_process.stdout)
    rows = _rows(completed.stdout)
    assert rows["limits_profile"] == ("limits-page", "runtime config (options)")
    assert json.loads(completed.stdout)["client_built"] is True
