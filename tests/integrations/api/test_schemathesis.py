"""Schemathesis against a real `integrations serve`, from its live `/openapi.json`.

Every operation is generated from the document the server publishes, with the admin token,
in every phase (examples, coverage, fuzzing, stateful) and with every check (`--checks
all`: no 5xx, documented statuses, bodies and headers, valid data accepted, invalid data
refused, auth enforced, 405 with `Allow`). Examples per operation are capped so a run takes
about 20 s per backend; the seed is fixed so a failure can be replayed with the command
Schemathesis prints.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.serve_process import ADMIN_TOKEN, RunningServe, served_on

# About 20 s per backend on an idle 2-core machine; the limits leave room for a loaded one.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

HOOKS = Path(__file__).resolve().parents[2] / "helpers" / "schemathesis_hooks.py"
MAX_EXAMPLES = 20
SEED = 20261207
RUN_TIMEOUT_S = 360


@pytest.fixture(name="server", params=["sqlite", "postgresql"])
def _server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningServe]:
    # Event subscriptions may then target 127.0.0.1 (see the hooks' url mapping).
    allowed = {"INTEGRATIONS_CHANGE_EVENTS__ALLOWED_PRIVATE_HOSTS": '["127.0.0.1"]'}
    with served_on(request.param, tmp_path, **allowed) as server:
        yield server


# Schema-valid requests the API refuses for reasons an OpenAPI schema cannot state: a
# business number's check digit, a base URL outside the connector's allowed hosts, a time
# range ending before it starts or spanning more than 31 days, a single-use OAuth `state`, an
# integration that has no sync. Those answers are 400/422 with the error body naming the
# field; the other checks still hold them to the documented statuses and schemas.
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "422", "429", "5xx"]
"""


def _schemathesis(server: RunningServe, folder: Path) -> subprocess.CompletedProcess[str]:
    (folder / "schemathesis.toml").write_text(CONFIG)  # read from the working directory
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{server.url}/openapi.json",
        "--checks=all",
        f"--header=Authorization: Bearer {ADMIN_TOKEN}",
        f"--max-examples={MAX_EXAMPLES}",
        f"--seed={SEED}",
        "--workers=1",
        "--generation-database=none",
        "--no-color",
        "--output-truncate=false",
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS)}
    return subprocess.run(
        command, env=env, cwd=folder, capture_output=True, text=True, timeout=RUN_TIMEOUT_S
    )


def test_schemathesis_finds_no_failure(server: RunningServe, tmp_path: Path) -> None:
    """Every operation of the live document passes every Schemathesis check: 0 failures."""
    result = _schemathesis(server, tmp_path)
    report = result.stdout + result.stderr

    assert result.returncode == 0, f"{report}\n--- server log ---\n{server.log.read_text()}"
    selected = re.search(r"Operations:\s+(\d+) selected / (\d+) total", report)
    assert selected and selected.group(1) == selected.group(2), report
    tested = re.search(r"Tested: (\d+)", report)
    assert tested and tested.group(1) == selected.group(1), report
    generated = re.search(r"(\d+) generated", report)
    assert generated and int(generated.group(1)) >= 300, report
    assert " 0 failures" in report or "failures" not in report.split("SUMMARY")[-1], report
