"""`integrations serve` in a real process: migrates the database, then answers `/healthz`
exactly as the README's quickstart shows, and the details on `/api/v1/health`."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import httpx2
import pytest

from integrations.storage.migrate import head_revision
from tests.helpers.serve_process import ADMIN_TOKEN, running_serve

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[3] / "README.md"


def _readme_healthz() -> dict[str, object]:
    """The answer the README's quickstart shows for `curl .../healthz`."""
    match = re.search(r"curl http://127\.0\.0\.1:8000/healthz\n# (\{.*\})\n", README.read_text())
    assert match, "README.md no longer shows the /healthz answer"
    shown: dict[str, object] = json.loads(match.group(1))
    return shown


def test_serve_migrates_and_answers_healthz(tmp_path: Path) -> None:
    """A fresh SQLite database is migrated at start-up; `/healthz` answers what the README
    shows, and `/api/v1/health` (admin) reports the head."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}"
    with running_serve(tmp_path, database_url) as server:
        response = httpx2.get(f"{server.url}/healthz", timeout=10)
        detail = httpx2.get(
            f"{server.url}/api/v1/health",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            timeout=10,
        )

    assert response.json() == _readme_healthz() == {"status": "ok"}
    body = detail.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["migration"] == {"current": head_revision(), "head": head_revision()}
    assert (tmp_path / "serve.db").exists()


def test_serve_announces_only_after_it_listens(tmp_path: Path) -> None:
    """ "serving on" is printed once, after the server is up (the log has it by the time
    `/healthz` answers)."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}"
    with running_serve(tmp_path, database_url) as server:
        log = server.log.read_text()
    assert log.count(f"serving on http://127.0.0.1:{server.port}") == 1


def test_serve_on_a_busy_port_names_the_holder(tmp_path: Path) -> None:
    """A port already taken exits 1 naming the process that holds it; nothing is announced
    and the database is not touched."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = subprocess.run(
            [str(Path(sys.executable).parent / "integrations"), "serve", "--port", str(port)],
            env={
                **os.environ,
                "INTEGRATIONS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}",
                "INTEGRATIONS_VAR_DIR": str(tmp_path / "var"),
            },
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use by PID {os.getpid()}" in result.stderr
    assert "serving on" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "serve.db").exists()
