"""The README's proof-run commands run as written in a fresh folder: `record` writes the file
the README names, and `replay` of it prints the line the README shows (two identical replays)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from tests.helpers.terminal import Terminal
from tests.integrations.cli.test_readme_quickstart import quickstart_steps, shown_pattern

SECTION = "Proof runs and the chaos suite"


def test_the_proof_run_commands_run_as_written(tmp_path: Path) -> None:
    steps = quickstart_steps(SECTION)
    assert [step.command.split()[:3] for step in steps] == [
        [".venv/bin/integrations", "proof", "record"],
        [".venv/bin/integrations", "proof", "replay"],
    ]
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parent.parent)  # this environment
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTEGRATIONS_")}
    with Terminal(tmp_path, env, tmp_path / "terminal-stderr.log") as terminal:
        ran = [terminal.run(step.command, timeout=120) for step in steps]
    for step, result in zip(steps, ran, strict=True):
        assert result.exit_code == 0, (result, (tmp_path / "terminal-stderr.log").read_text())
        for line in step.shown:
            pattern = shown_pattern(line.replace("sha256:…", "sha256:<digest>"))
            assert pattern.search(result.output), (line, result.output)
    recorded = json.loads((tmp_path / "var/proof/pandadoc-signing.json").read_text())
    assert recorded["scenario"] == "pandadoc-signing" and recorded["exchanges"]
    assert "2 of 2" in ran[1].output
