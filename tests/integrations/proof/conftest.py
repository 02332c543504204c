"""One recording of each scenario per test session, made through the CLI (`proof record`),
so the tests that replay, tamper with and inspect it pay for a recording once."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from integrations.cli.main import app


def _record(scenario: str, directory: Path) -> Path:
    path = directory / f"{scenario}.json"
    result = CliRunner().invoke(app, ["proof", "record", scenario, "--out", str(path)])
    assert result.exit_code == 0, result.output
    assert f"wrote {path}" in result.output
    assert f"replay: integrations proof replay {path}" in result.output
    return path


@pytest.fixture(name="pandadoc_proof", scope="session")
def _pandadoc_proof(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _record("pandadoc-signing", tmp_path_factory.mktemp("proof"))


@pytest.fixture(name="practicepanther_proof", scope="session")
def _practicepanther_proof(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _record("practicepanther-sync", tmp_path_factory.mktemp("proof"))
