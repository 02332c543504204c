"""`integrations simulate <vendor> --port N`: a simulator on loopback with its control API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx2
import pytest
from typer.testing import CliRunner

from integrations.cli.main import app
from tests.helpers.serve_process import free_port, wait_until_ok

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("vendor", ["mock", "pandadoc", "typeform"])
def test_simulate_serves_control_api(tmp_path: Path, vendor: str) -> None:
    """The simulator answers `/_sim/state` and takes a fault plan over HTTP."""
    port = free_port()
    script = Path(sys.executable).parent / "integrations"
    log = tmp_path / "sim.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(script), "simulate", vendor, "--port", str(port), "--seed", "3"],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        state = wait_until_ok(f"{base}/_sim/state", process, log).json()
        assert state["name"] == vendor and state["seed"] == 3
        plan = {"route": "*", "plan": {"script": "503"}}
        assert httpx2.put(f"{base}/_sim/faults", json=plan).status_code == 200
        assert httpx2.get(f"{base}/anything").status_code == 503
        assert httpx2.get(f"{base}/_sim/requests").json()["items"][0]["status"] == 503
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_simulate_unknown_vendor() -> None:
    """An unknown vendor exits 2 naming the available simulators."""
    result = CliRunner().invoke(app, ["simulate", "nope"])
    assert result.exit_code == 2
    assert "available:" in result.stderr and "mock" in result.stderr
