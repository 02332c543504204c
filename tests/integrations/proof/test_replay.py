"""Record then replay: the same calls, the same retry, the same final state, twice in a row;
and a recording that was changed is caught (the first divergence named, or the state diff).

The scenarios run against the in-process simulators (mock mode) on a fresh SQLite database
each; replays have no simulator at all, only the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from integrations.cli.main import app
from integrations.proof import load_proof, replay

pytestmark = pytest.mark.integration


def _calls(state: dict[str, Any]) -> list[tuple[str, int, int]]:
    return [(c["operation"], c["attempts"], c["status"]) for c in state["calls"]]


def _edit(source: Path, target: Path, change: Any) -> Path:
    data = json.loads(source.read_text())
    change(data)
    target.write_text(json.dumps(data))
    return target


def _replay_cli(path: Path, *extra: str) -> Any:
    return CliRunner().invoke(app, ["proof", "replay", str(path), *extra])


def test_recording_holds_the_retry_and_the_webhooks(pandadoc_proof: Path) -> None:
    """The 503 and its retry are two exchanges of one call; the signing's webhooks arrived
    during the simulator calls that set them off; the document ended completed."""
    run = load_proof(pandadoc_proof)
    first, second = run.exchanges[:2]
    assert (first.method, first.status, second.status) == ("GET", 503, 200)
    assert first.url == second.url and first.url.startswith("/public/v1/templates?")
    assert second.at > first.at  # the backoff passed on the virtual clock
    assert _calls(run.final_state)[0] == ("list_templates", 2, 200)
    assert len(run.final_state["calls"]) == len(run.exchanges) - 1  # one retry in all
    assert run.webhooks and all(hook.during > 0 for hook in run.webhooks)
    (document,) = run.final_state["tables"]["documents"]
    assert document["status"] == "document.completed"
    events = run.final_state["tables"]["webhook_events"]
    assert {e["status"] for e in events} == {"processed"}


async def test_replay_twice_reproduces_calls_retries_and_state(pandadoc_proof: Path) -> None:
    run = load_proof(pandadoc_proof)
    first = await replay(run)
    second = await replay(run)
    for outcome in (first, second):
        assert outcome.identical, (outcome.divergence, outcome.diff)
        assert outcome.digest == run.digest
        assert _calls(outcome.state) == _calls(run.final_state)
    assert _calls(first.state)[0] == ("list_templates", 2, 200)  # the retry, replayed


def test_cli_replay_reports_identical_twice(pandadoc_proof: Path) -> None:
    result = _replay_cli(pandadoc_proof)
    assert result.exit_code == 0, result.output
    digest = load_proof(pandadoc_proof).digest
    assert f"replay identical: {digest} (2 of 2)" in result.output


def test_a_tampered_response_diverges_at_the_next_request(
    pandadoc_proof: Path, tmp_path: Path
) -> None:
    """Another template id in the templates answer: the create request that follows carries
    it, so the replay stops at exchange 3 and names it."""

    def tamper(data: dict[str, Any]) -> None:
        answer = data["exchanges"][1]["response_body"]
        template_id = json.loads(answer["text"])["results"][0]["id"]
        answer["text"] = answer["text"].replace(template_id, "TamperedTemplate0000")

    result = _replay_cli(_edit(pandadoc_proof, tmp_path / "tampered.json", tamper), "--times", "1")
    assert result.exit_code == 1, result.output
    assert "replay 1 of 1 differs" in result.output
    assert "first divergence: exchange 3 (pandadoc POST /public/v1/documents)" in result.output
    assert "request body differs" in result.output


def test_a_tampered_webhook_changes_the_final_state(pandadoc_proof: Path, tmp_path: Path) -> None:
    """Every call matches, but the last webhook says `declined`: the replay verifies it (signed
    again with the replay's secret), applies it, and the state differs from the recorded one."""

    def tamper(data: dict[str, Any]) -> None:
        last = data["webhooks"][-1]["body"]
        last["text"] = last["text"].replace("document.completed", "document.declined")

    result = _replay_cli(_edit(pandadoc_proof, tmp_path / "declined.json", tamper), "--times", "1")
    assert result.exit_code == 1, result.output
    assert "first divergence" not in result.output
    assert "'document.completed' -> 'document.declined'" in result.output


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["exchanges"].pop(), "the recording has no more"),
        (
            lambda d: d["exchanges"].append({**d["exchanges"][-1], "seq": 99}),
            "the replay never sent it (1 recorded exchanges unplayed)",
        ),
        (lambda d: d["webhooks"][0].update(status=401), "recorded answer 401, replay answered 200"),
        (
            lambda d: d["webhooks"][0].update(connector="typeform"),
            "recorded answer 200, replay answered 409",  # typeform is not enabled in the run
        ),
        (lambda d: d["webhooks"][0].update(connector="nicednb"), "no webhook signer for"),
    ],
    ids=["missing-exchange", "unplayed-exchange", "webhook-status", "disabled", "no-signer"],
)
async def test_divergences_are_named(
    pandadoc_proof: Path, tmp_path: Path, change: Any, expected: str
) -> None:
    outcome = await replay(load_proof(_edit(pandadoc_proof, tmp_path / "x.json", change)))
    assert not outcome.identical
    assert outcome.divergence is not None and expected in outcome.divergence


async def test_sync_scenario_replays_and_keeps_no_oauth_secret(practicepanther_proof: Path) -> None:
    """PracticePanther's OAuth handshake and its full + incremental sync: the file holds no
    code, token or client secret, and the replay (which sends them masked the same way)
    reaches the recorded state: the same runs, cursors and records."""
    run = load_proof(practicepanther_proof)
    assert "pp-sim-secret" not in json.dumps(run.to_json())
    (token,) = [e for e in run.exchanges if e.url == "/OAuth/Token"]
    assert "client_secret=REDACTED" in token.request_body["text"]
    assert "code=REDACTED" in token.request_body["text"]
    answer = json.loads(token.response_body["text"])
    assert answer["access_token"] == answer["refresh_token"] == "REDACTED"
    assert "code=REDACTED" in run.exchanges[0].response_headers["location"]
    sent = {e.request_headers.get("authorization") for e in run.exchanges}
    assert sent <= {None, "REDACTED"} and "REDACTED" in sent
    runs = run.final_state["tables"]["sync_runs"]
    assert sorted((r["sync_type"], r["status"]) for r in runs) == [
        ("full", "success"),
        ("incremental", "success"),
    ]
    outcome = await replay(run)
    assert outcome.identical, (outcome.divergence, outcome.diff)
