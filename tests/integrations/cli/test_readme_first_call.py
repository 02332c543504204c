"""The README's "Your first call" commands run as written, each exiting 0, against a fresh
database: configure the mock connector, list and call its actions, dry-run a write, read the
call log."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[3] / "README.md"
HEADING = "### Your first call"


def readme_commands() -> list[list[str]]:
    """The `.venv/bin/integrations ...` lines of the section's shell block."""
    section = README.read_text(encoding="utf-8").split(HEADING, 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [shlex.split(line) for line in block.splitlines() if line.strip()]


def test_the_first_call_section_runs_as_written(tmp_path: Path) -> None:
    commands = readme_commands()
    assert len(commands) >= 5 and all(c[0] == ".venv/bin/integrations" for c in commands)
    cli = Path(sys.executable).with_name("integrations")  # this environment's entry point
    env = {**os.environ, "INTEGRATIONS_VAR_DIR": str(tmp_path / "var")}
    env.pop("INTEGRATIONS_DATABASE_URL", None)
    subprocess.run([str(cli), "db", "upgrade"], env=env, check=True, capture_output=True)
    outputs = []
    for command in commands:
        done = subprocess.run(
            [str(cli), *command[1:]], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, f"{shlex.join(command)}:\n{done.stderr}"
        outputs.append(done.stdout)
    item = json.loads(outputs[2])
    assert item["id"] == "item-1"
    preview = json.loads(outputs[4])
    assert preview["sent"] is False and preview["request"]["json"] == {"name": "Invoice", "size": 7}
    assert "get_item" in outputs[5]  # the call log shows the call made above


def test_config_set_refuses_bad_input_naming_the_field(tmp_path: Path) -> None:
    cli = Path(sys.executable).with_name("integrations")
    env = {**os.environ, "INTEGRATIONS_VAR_DIR": str(tmp_path / "var")}
    env.pop("INTEGRATIONS_DATABASE_URL", None)
    subprocess.run([str(cli), "db", "upgrade"], env=env, check=True, capture_output=True)
    for args, named in (
        (["config", "set", "mock", "--json", '{"timeout_seconds": -1}'], "timeout_seconds"),
        (["config", "set", "mock", "--mode", "sideways"], "mode"),
        (["config", "set", "mock", "--json", "[1]"], "--json"),
        (["config", "set", "nope", "--enable"], "known connectors"),
        (["config", "set", "mock"], "nothing to change"),
    ):
        done = subprocess.run([str(cli), *args], env=env, capture_output=True, text=True)
        assert done.returncode == 2, (args, done.stderr)
        assert named in done.stderr and "Traceback" not in done.stderr
