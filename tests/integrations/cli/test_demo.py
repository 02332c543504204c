"""`integrations demo` as a user runs it: a real process on a fresh var directory, the whole
scenario against its own server, then what the report says checked against what the demo's
database holds (the report must not claim what did not happen)."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

from tests.helpers.serve_process import free_port

pytestmark = pytest.mark.integration

STEPS = 8  # PandaDoc, Typeform, email, SMS, address, company, PracticePanther, storm
RUN_TIMEOUT_S = 120.0


ROOT = Path(__file__).resolve().parents[3]


def _demo(var_dir: Path, port: int, *extra: str, script: bool = False) -> subprocess.Popen[str]:
    """`integrations demo`, or (`script`) the README's run command `./scripts/demo`, which
    finds the venv and the dashboard build up to date and execs the same command."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTEGRATIONS_")}
    env["COLUMNS"] = "200"  # Rich wraps the report at the terminal width (80 in a pipe)
    program = (
        ["bash", "scripts/demo"]
        if script
        else [str(Path(sys.executable).parent / "integrations"), "demo"]
    )
    command = [*program, "--port", str(port), "--var-dir", str(var_dir), *extra]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=ROOT,
    )


def _rows(var_dir: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(var_dir / "integrations.db") as db:
        return db.execute(query).fetchall()


def test_demo_runs_every_step_and_the_database_agrees(tmp_path: Path) -> None:
    """`--no-serve`: exit 0, every step `ok` with its numbers, and the local tables hold the
    completed document, the stored response, the synced records and the breaker's alert."""
    process = _demo(tmp_path, free_port(), "--no-serve")
    try:
        output, _ = process.communicate(timeout=RUN_TIMEOUT_S)
    finally:
        process.kill()
    assert process.returncode == 0, output
    progress = [line for line in output.splitlines() if re.match(r"\s+(ok|FAILED)\s{2}", line)]
    assert len(progress) == STEPS and all(line.split()[0] == "ok" for line in progress), output
    assert f"{STEPS}/{STEPS} steps succeeded" in output
    document = re.search(r"document (\w+) completed in the local table; (\d+) webhooks", output)
    assert document and int(document.group(2)) >= 2, output  # at least a view and a signature
    response = re.search(
        r"response ([0-9a-f]{32}) stored \((\d+) for form \w+\); 1 webhook", output
    )
    assert response and int(response.group(2)) == 1, output
    synced = re.search(r"full: (\d+) records", output)
    assert synced and int(synced.group(1)) > 0, output
    assert "breaker opened; alert fired; breaker closed, alert resolved" in output
    token = re.search(r"admin token: (itk_\S+)", output)
    assert token, output

    documents = _rows(tmp_path, "SELECT external_id, status FROM documents")
    assert documents == [(document.group(1), "document.completed")]
    assert _rows(tmp_path, "SELECT count(*) FROM form_responses") == [(1,)]
    events = "SELECT integration, status, count(*) FROM webhook_events GROUP BY 1, 2 ORDER BY 1"
    pandadoc, typeform = _rows(tmp_path, events)
    assert typeform == ("typeform", "processed", 1)
    assert pandadoc[:2] == ("pandadoc", "processed")
    # The completed document's `document_completed_pdf_ready` comes with the simulator's next
    # answer: within the step (then reported), or later with the next call the server makes.
    late = "SELECT count(*) FROM webhook_events WHERE event_type = 'document_completed_pdf_ready'"
    (pdf_ready,) = _rows(tmp_path, late)[0]
    assert pdf_ready <= 1 and int(pandadoc[2]) - int(document.group(2)) in {0, pdf_ready}
    # The demo's own runs: its server also runs the sync schedule (incremental every 15
    # minutes), so a demo that spans a quarter hour has a scheduled run besides them.
    runs = _rows(
        tmp_path,
        "SELECT sync_type, status, processed_count FROM sync_runs"
        " WHERE triggered_by = 'demo' ORDER BY id",
    )
    assert [(kind, status) for kind, status, _ in runs] == [
        ("full", "success"),
        ("incremental", "success"),
    ]
    assert runs[0][2] == int(synced.group(1))
    alerts = "SELECT status FROM alerts WHERE kind = 'breaker_open' AND integration = 'mock'"
    assert _rows(tmp_path, alerts) == [("resolved",)]
    _assert_proof_replays(tmp_path, output)


def _assert_proof_replays(var_dir: Path, output: str) -> None:
    """The report names the proof run it wrote and the command to replay it, and that
    replay (in-process: the CLI's own code, without a second cold process) is identical."""
    from typer.testing import CliRunner

    from integrations.cli.main import app

    proof = var_dir / "proof" / "demo-pandadoc-signing.json"
    assert f"proof run:   {proof}" in output, output
    assert f"replay:      integrations proof replay {proof}" in output, output
    replayed = CliRunner().invoke(app, ["proof", "replay", str(proof), "--times", "1"])
    assert replayed.exit_code == 0, replayed.output
    assert "replay identical: sha256:" in replayed.output


def test_the_readme_run_command_keeps_serving_until_sigterm(tmp_path: Path) -> None:
    """`./scripts/demo` (the README's run command): after the report the server answers the
    printed token, and SIGTERM to its PID stops it cleanly (exit 0, "stopped")."""
    port = free_port()
    process = _demo(tmp_path, port, script=True)
    try:
        assert process.stdout is not None
        output = ""
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while "serving until Ctrl-C" not in output and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break  # the process ended
            output += line
        assert "serving until Ctrl-C" in output, output
        token = re.search(r"admin token: (itk_\S+)", output)
        assert token, output
        alerts = httpx2.get(
            f"http://127.0.0.1:{port}/api/v1/alerts",
            headers={"Authorization": f"Bearer {token.group(1)}"},
            timeout=10,
        )
        assert alerts.status_code == 200, alerts.text
        assert "breaker_open" in {item["kind"] for item in alerts.json()["items"]}
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, rest
    assert "stopped" in rest
