"""scripts/_dashboard.sh (sourced by scripts/serve and scripts/test) builds the dashboard only
when it must: `npm ci` when package-lock.json changed, `npm run build` when a source changed,
one line per stage; without npm it says why and builds nothing.

It runs, with the real npm, on a stand-in dashboard without dependencies (nothing is fetched)
whose build script writes index.html into the folder the server serves.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = '{"name": "stand-in", "version": "1.0.0", "private": true, "scripts": %s}'
LOCK = (
    '{"name": "stand-in", "version": "1.0.0", "lockfileVersion": 3, "requires": true,'
    ' "packages": {"": {"name": "stand-in", "version": "%s"}}}'
)
BUILD_JS = """
const fs = require("fs");
const out = "../src/integrations/api/dashboard_dist";
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(out + "/index.html", fs.readFileSync("src/app.txt"));
"""


@pytest.fixture(name="project")
def _project(tmp_path: Path) -> Path:
    if shutil.which("npm") is None:
        if os.environ.get("INTEGRATIONS_REQUIRE_SERVICES") == "1":
            pytest.fail("npm is required (INTEGRATIONS_REQUIRE_SERVICES=1) and was not found")
        pytest.skip("npm not found: install Node.js 20 or newer with npm to run this test")
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "_dashboard.sh", tmp_path / "scripts")
    dashboard = tmp_path / "dashboard"
    (dashboard / "src").mkdir(parents=True)
    (dashboard / "package.json").write_text(PACKAGE % '{"build": "node build.js"}')
    (dashboard / "package-lock.json").write_text(LOCK % "1.0.0")
    (dashboard / "build.js").write_text(BUILD_JS)
    (dashboard / "src" / "app.txt").write_text("first build")
    return tmp_path


def _build(project: Path, path: str | None = None) -> list[str]:
    """Source the script in `project`, run `dashboard_build`; the progress lines it printed."""
    env = {**os.environ, "PATH": path if path is not None else os.environ["PATH"]}
    done = subprocess.run(
        ["/bin/bash", "-c", "set -euo pipefail; source scripts/_dashboard.sh; dashboard_build"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [line for line in done.stderr.splitlines() if line.startswith("== dashboard")]


def _served(project: Path) -> str:
    return (project / "src/integrations/api/dashboard_dist/index.html").read_text()


def test_installs_and_builds_once_then_only_what_changed(project: Path) -> None:
    """First run: npm ci and build; again: nothing; a source edit: build; a lock edit: both."""
    first = _build(project)
    assert [line.split(" (")[0] for line in first] == [
        "== dashboard: npm ci",
        "== dashboard: npm run build",
    ]
    assert _served(project) == "first build"

    assert _build(project) == [
        "== dashboard: build up to date (src/integrations/api/dashboard_dist)"
    ]

    (project / "dashboard/src/app.txt").write_text("second build")
    assert [line.split(" (")[0] for line in _build(project)] == ["== dashboard: npm run build"]
    assert _served(project) == "second build"

    # New dependency versions can change the output, so the build runs after the install.
    (project / "dashboard/package-lock.json").write_text(LOCK % "1.0.1")
    assert [line.split(" (")[0] for line in _build(project)] == [
        "== dashboard: npm ci",
        "== dashboard: npm run build",
    ]


def test_deleted_build_is_rebuilt(project: Path) -> None:
    """A removed dashboard_dist is built again even though no source changed."""
    _build(project)
    shutil.rmtree(project / "src/integrations/api/dashboard_dist")

    assert [line.split(" (")[0] for line in _build(project)] == ["== dashboard: npm run build"]
    assert _served(project) == "first build"


def test_without_npm_nothing_is_built_and_the_reason_is_printed(project: Path) -> None:
    """With no npm on PATH the script says so, succeeds, and leaves no build behind."""
    lines = _build(project, path="/nonexistent")

    assert lines == [
        "== dashboard: not built: npm not found: install Node.js 20 or newer with npm"
        " (/ will say how to build it)"
    ]
    assert not (project / "src/integrations/api/dashboard_dist").exists()


def test_a_failing_build_fails_and_shows_npm_output(project: Path) -> None:
    """A build script that fails stops the caller with its output and the failed stage."""
    (project / "dashboard/build.js").write_text(
        "console.error('type error in App.tsx'); process.exit(2);"
    )
    done = subprocess.run(
        ["/bin/bash", "-c", "set -euo pipefail; source scripts/_dashboard.sh; dashboard_build"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode != 0
    assert "type error in App.tsx" in done.stderr
    assert "'npm run build' failed (exit 2)" in done.stderr
