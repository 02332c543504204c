"""Connector READMEs document the settings a freshly built client really has: each README's
"Effective settings" table equals what `integrations config show <name>` prints."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from integrations.cli.main import app
from integrations.registry import CONNECTORS

HEADING = "## Effective settings"


def _readme(name: str) -> Path:
    module = importlib.import_module(str(CONNECTORS[name].client).partition(":")[0])
    return Path(str(module.__file__)).parent / "README.md"


DOCUMENTED = sorted(n for n, i in CONNECTORS.items() if i.client and _readme(n).exists())


def documented_settings(readme: str) -> dict[str, str]:
    """{setting: value} from the first table under the "Effective settings" heading."""
    section = readme.split(HEADING, 1)[1] if HEADING in readme else ""
    rows: dict[str, str] = {}
    for line in section.splitlines():
        if not line.startswith("|"):
            if rows:
                break  # the table has ended
            continue
        cells = [c.strip().strip("`") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) < 2 or cells[0] in {"setting", ""} or set(cells[0]) <= {"-", ":"}:
            continue
        rows[cells[0]] = cells[1].replace("\\|", "|")
    return rows


def differences(documented: dict[str, str], shown: dict[str, str]) -> list[str]:
    """Every row the README has wrong, lacks or has in excess, in words."""
    problems = [f"missing {k} = {v!r}" for k, v in shown.items() if k not in documented]
    problems += [f"extra {k}" for k in documented if k not in shown]
    problems += [
        f"{k}: README says {documented[k]!r}, config show prints {v!r}"
        for k, v in shown.items()
        if k in documented and documented[k] != v
    ]
    return problems


def _shown(name: str, tmp_path: Path) -> dict[str, str]:
    """`config show NAME --json` for a client built from an empty configuration, with the
    connector's required variables set (so a live client really gets built)."""
    env = {v.name: v.example for v in CONNECTORS[name].env if v.required}
    env |= {
        "INTEGRATIONS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'readme.db'}",
        "INTEGRATIONS_VAR_DIR": str(tmp_path / "var"),
    }
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    result = runner.invoke(app, ["config", "show", name, "--json"], env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["client_built"], report["note"]
    return {row["setting"]: row["text"] for row in report["settings"]}


def test_the_connectors_with_readmes_are_checked() -> None:
    """The comparison runs for the documented connectors (it cannot pass by finding none)."""
    assert {"pandadoc", "typeform"} <= set(DOCUMENTED)


@pytest.mark.parametrize("name", DOCUMENTED)
def test_readme_matches_config_show(name: str, tmp_path: Path) -> None:
    """Every row `config show` prints is in the README with the same value, and no other."""
    documented = documented_settings(_readme(name).read_text(encoding="utf-8"))

    problems = differences(documented, _shown(name, tmp_path))

    assert not problems, f"{_readme(name)} disagrees with config show:\n" + "\n".join(problems)


def test_a_disagreeing_readme_is_reported(tmp_path: Path) -> None:
    """A README claiming the runtime default (3 attempts, 60 s cap) for PandaDoc, or missing
    a row, is reported row by row."""
    readme = _readme("pandadoc").read_text(encoding="utf-8")
    wrong = readme.replace("| `retry.max_attempts` | `7` |", "| `retry.max_attempts` | `3` |")
    wrong = wrong.replace("| `retry.cap_seconds` | `32` |", "| `retry.cap_seconds` | `60` |")
    wrong = re.sub(r"(?m)^\| `circuit\.failure_threshold` .*\n", "", wrong)
    assert wrong != readme

    shown = _shown("pandadoc", tmp_path)
    problems = differences(documented_settings(wrong), shown)
    already = differences(documented_settings(readme), shown)  # none, unless the README drifted

    assert sorted(set(problems) - set(already)) == [
        "missing circuit.failure_threshold = '5'",
        "retry.cap_seconds: README says '60', config show prints '32'",
        "retry.max_attempts: README says '3', config show prints '7'",
    ]
