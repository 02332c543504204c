"""A wheel built after `npm run build` carries the dashboard, so a non-editable install serves it.

The project (pyproject.toml, README.md, src/) is copied with a stand-in build in
`api/dashboard_dist/`, and setuptools, the project's build backend, builds the wheel in a
subprocess without build isolation (the dev extra installs setuptools; nothing is fetched).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
BUILD = ("index.html", "assets/index-3f9a1c.js", "assets/index-77e0b2.css")


def test_wheel_includes_the_dashboard_build(tmp_path: Path) -> None:
    """Every file of dashboard_dist/, nested ones included, is in the wheel."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(
        ROOT / "src" / "integrations",
        project / "src" / "integrations",
        ignore=shutil.ignore_patterns("__pycache__", "dashboard_dist"),
    )
    dist = project / "src" / "integrations" / "api" / "dashboard_dist"
    for name in BUILD:
        (dist / name).parent.mkdir(parents=True, exist_ok=True)
        (dist / name).write_text(f"stand-in for {name}\n")

    built = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from setuptools import build_meta;"
            " print(build_meta.build_wheel(sys.argv[1]))",
            str(tmp_path / "wheels"),
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert built.returncode == 0, built.stderr[-3000:]
    wheel = tmp_path / "wheels" / built.stdout.strip().splitlines()[-1]
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {f"integrations/api/dashboard_dist/{name}" for name in BUILD} <= names
    assert "integrations/api/dashboard.py" in names
