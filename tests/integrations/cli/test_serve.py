"""`integrations serve` in a real process: migrates the database, then answers `/healthz`
exactly as the README's quickstart shows, and the details on `/api/v1/health`."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

from integrations.storage.migrate import head_revision

pytestmark = pytest.mark.integration

STARTUP_TIMEOUT_S = 30.0
README = Path(__file__).resolve().parents[3] / "README.md"
ADMIN_TOKEN = "serve-test-admin-token-0123456789"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> httpx2.Response:
    """Poll `url` until it answers 200; fail early when the server process exits."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    last: str = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            response = httpx2.get(url, timeout=2)
        except httpx2.TransportError as exc:
            last = repr(exc)
        else:
            if response.status_code == 200:
                return response
            last = f"{response.status_code} {response.text}"
        time.sleep(0.2)
    pytest.fail(f"/healthz not 200 within {STARTUP_TIMEOUT_S}s (last: {last}):\n{log.read_text()}")


def _readme_healthz() -> dict[str, object]:
    """The answer the README's quickstart shows for `curl .../healthz`."""
    match = re.search(r"curl http://127\.0\.0\.1:8000/healthz\n# (\{.*\})\n", README.read_text())
    assert match, "README.md no longer shows the /healthz answer"
    shown: dict[str, object] = json.loads(match.group(1))
    return shown


def test_serve_migrates_and_answers_healthz(tmp_path: Path) -> None:
    """A fresh SQLite database is migrated at start-up; `/healthz` answers what the README
    shows, and `/api/v1/health` (admin) reports the head."""
    port = _free_port()
    env = {
        **os.environ,
        "INTEGRATIONS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}",
        "INTEGRATIONS_VAR_DIR": str(tmp_path / "var"),
        "INTEGRATIONS_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    script = Path(sys.executable).parent / "integrations"
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(script), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            response = _wait_healthy(f"http://127.0.0.1:{port}/healthz", process, log)
            detail = httpx2.get(
                f"http://127.0.0.1:{port}/api/v1/health",
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                timeout=10,
            )
        finally:
            if process.poll() is None:
                process.terminate()  # SIGTERM to this PID: uvicorn shuts down gracefully
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    assert response.json() == _readme_healthz() == {"status": "ok"}
    body = detail.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["migration"] == {"current": head_revision(), "head": head_revision()}
    assert (tmp_path / "serve.db").exists()
