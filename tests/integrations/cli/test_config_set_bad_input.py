"""`integrations config set` refuses bad input with exit 2, naming the field, without a
traceback. (The README's "Your first call" commands run as written, with the rest of its
Quickstart, in test_readme_quickstart.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from integrations.cli.main import app


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--json", '{"timeout_seconds": -1}'], "timeout_seconds"),
        (["--mode", "sideways"], "mode"),
        (["--json", "[1]"], "--json"),
        (["--enable"], "known connectors"),
        ([], "nothing to change"),
    ],
)
def test_config_set_refuses_bad_input_naming_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], named: str
) -> None:
    monkeypatch.setenv("INTEGRATIONS_VAR_DIR", str(tmp_path / "var"))
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    name = "nope" if named == "known connectors" else "mock"
    result = runner.invoke(app, ["config", "set", name, *args])

    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert named in result.stderr and "Traceback" not in result.output
