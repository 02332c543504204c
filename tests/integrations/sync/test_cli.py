"""`integrations sync NAME [--full] [--stream S]`: progress per stream, a summary, and the
exit status (0 success, 1 otherwise, 2 for an unknown integration or stream)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from integrations.cli.main import app
from integrations.config import load_settings
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from tests.integrations.sync import demo_sync
from tests.integrations.sync.tiny_vendor import TinyVendor


@pytest.fixture(name="cli_ready")
def _cli_ready(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    secret_key: str,
    installed: None,
    vendor_url: str,
) -> None:
    monkeypatch.setenv("INTEGRATIONS_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("INTEGRATIONS_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("INTEGRATIONS_SECRET_KEY", secret_key)
    assert CliRunner().invoke(app, ["db", "upgrade"]).exit_code == 0

    async def configure() -> None:
        services = Services(load_settings())
        try:
            update = IntegrationSettingsUpdate.model_validate(
                {"enabled": True, "mode": "live", "base_url": vendor_url}
            )
            await services.update_config(demo_sync.NAME, update, changed_by="test")
        finally:
            await services.close()

    asyncio.run(configure())


@pytest.mark.usefixtures("cli_ready")
def test_full_sync_shows_each_stream_and_exits_0() -> None:
    result = CliRunner().invoke(app, ["sync", demo_sync.NAME, "--full"])
    assert result.exit_code == 0, result.output
    for stream in ("people", "projects", "todos"):
        assert stream in result.output
    assert "success" in result.output


@pytest.mark.usefixtures("cli_ready")
def test_a_partial_run_exits_1_and_names_the_record(vendor: TinyVendor) -> None:
    vendor.touch("people", ["p0003"], email="bad")
    result = CliRunner().invoke(app, ["sync", demo_sync.NAME, "--stream", "people"])
    assert result.exit_code == 1, result.output
    assert "partial" in result.output and "p0003" in result.output and "email" in result.output


@pytest.mark.usefixtures("cli_ready")
def test_vendor_down_exits_1_with_the_error(vendor: TinyVendor) -> None:
    vendor.failures = {n: 404 for n in range(1, 50)}
    result = CliRunner().invoke(app, ["sync", demo_sync.NAME])
    assert result.exit_code == 1, result.output
    assert "error" in result.output and "NotFoundError" in result.output


@pytest.mark.usefixtures("cli_ready")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sync", "nope"], "has no sync"),
        (["sync", demo_sync.NAME, "--stream", "nope"], "has no stream 'nope'"),
        (["sync", demo_sync.NAME, "--stream", "people", "--full"], "cannot be combined"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output
