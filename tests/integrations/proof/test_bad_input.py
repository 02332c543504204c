"""`proof record` and `proof replay` given what they cannot use: one line saying why and a
non-zero exit, never a traceback. In-process (CliRunner); nothing is recorded or replayed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from integrations.cli.main import app
from integrations.proof.format import FORMAT_VERSION

pytestmark = pytest.mark.unit

VALID = {
    "format": FORMAT_VERSION,
    "scenario": "pandadoc-signing",
    "seed": 0,
    "recorded_at": "2026-01-01T00:00:00+00:00",
    "exchanges": [],
    "webhooks": [],
    "final_state": {},
    "digest": "sha256:00",
}


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["proof", *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no proof file at"),
        (b"{not json", "is not JSON"),
        (b"\xff\xfe\x00", "cannot read"),
        (b"[1, 2]", "is not a proof file"),
        (
            json.dumps({**VALID, "format": 99}).encode(),
            "has format 99; this version reads 1",
        ),
        (json.dumps({k: v for k, v in VALID.items() if k != "digest"}).encode(), "not a valid"),
        (json.dumps({**VALID, "exchanges": [{"seq": 1}]}).encode(), "not a valid proof file"),
        (json.dumps({**VALID, "scenario": "nope"}).encode(), "no proof scenario 'nope'"),
    ],
    ids=[
        "missing",
        "corrupt",
        "binary",
        "not-object",
        "version",
        "no-digest",
        "bad-exchange",
        "scenario",
    ],
)
def test_replay_refuses_a_bad_file(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "proof.json"
    if content is not None:
        path.write_bytes(content)
    code, output = _run("replay", str(path))
    assert code == 2
    assert message in output
    assert len([line for line in output.splitlines() if line.strip()]) == 1, output


def test_replay_refuses_a_directory(tmp_path: Path) -> None:
    code, output = _run("replay", str(tmp_path))
    assert code == 2 and "cannot read" in output


def test_record_refuses_an_unknown_scenario(tmp_path: Path) -> None:
    code, output = _run("record", "nope", "--out", str(tmp_path / "x.json"))
    assert code == 2
    assert "no proof scenario 'nope'; available: pandadoc-signing, practicepanther-sync" in output
    assert not (tmp_path / "x.json").exists()


def test_replay_times_must_be_positive(tmp_path: Path) -> None:
    code, output = _run("replay", str(tmp_path / "x.json"), "--times", "0")
    assert code == 2 and "--times" in output


def test_record_refuses_an_unwritable_destination(tmp_path: Path) -> None:
    """Its parent is a file: refused before anything is recorded."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, output = _run("record", "pandadoc-signing", "--out", str(blocker / "x.json"))
    assert code == 1
    assert f"cannot write {blocker / 'x.json'}" in output
