"""`integrations calls` and `integrations metrics`: what the database holds, as a table, JSON
or CSV; clear errors and exit code 2 for bad input."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from integrations.cli.common import console
from integrations.cli.main import app
from integrations.core.records import CallRecord
from integrations.ops_config import MetricsSettings
from integrations.storage.db import Database
from integrations.storage.tables import CallLogRow
from integrations.telemetry.windows import WindowRecorder

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


@pytest.fixture(name="db_url")
def _db_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("INTEGRATIONS_DATABASE_URL", url)
    monkeypatch.setenv("INTEGRATIONS_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setattr(console, "width", 200)  # a table's cells stay on one line
    assert CliRunner().invoke(app, ["db", "upgrade"]).exit_code == 0
    _seed(url)
    return url


def _seed(url: str) -> None:
    """Three calls (one failed) in the log, and the same three in this writer's windows."""

    async def run() -> None:
        db = Database(url)
        windows = WindowRecorder(db, MetricsSettings(), writer="cli-test")
        async with db.sessions.begin() as session:
            for i, status in enumerate([200, 503, 200]):
                fields = {
                    "integration": "mock",
                    "operation": "get_item",
                    "method": "GET",
                    "status_code": status,
                    "success": status < 400,
                    "duration_ms": 10.0 * (i + 1),
                    "retry_count": 0,
                    "cache_hit": False,
                    "is_mock": True,
                    "trace_id": f"trace-{i}",
                    "error_class": None if status < 400 else "ProviderServerError",
                    "created_at": NOW - dt.timedelta(seconds=3 - i),
                }
                session.add(CallLogRow(url="https://mock.example/items/1", **fields))
                windows.observe(CallRecord(**fields))  # type: ignore[arg-type]
        await windows.close()
        await db.dispose()

    asyncio.run(run())


def test_calls_table_and_json(db_url: str) -> None:
    """The table lists the calls; --json lists them newest first, --status filters."""
    shown = CliRunner().invoke(app, ["calls", "mock"])
    assert shown.exit_code == 0, shown.output
    assert "trace-0" in shown.output and "ProviderServerError" in shown.output
    failed = CliRunner().invoke(app, ["calls", "mock", "--status", "failure", "--json"])
    assert [i["trace_id"] for i in json.loads(failed.output)["items"]] == ["trace-1"]
    every = json.loads(CliRunner().invoke(app, ["calls", "mock", "--json"]).output)["items"]
    assert [i["trace_id"] for i in every] == ["trace-2", "trace-1", "trace-0"]


def test_calls_by_trace(db_url: str) -> None:
    """--trace shows that call with its summaries; an unknown trace id exits 1 naming it."""
    found = CliRunner().invoke(app, ["calls", "mock", "--trace", "trace-1", "--json"])
    (item,) = json.loads(found.output)["items"]
    assert item["status_code"] == 503 and "request_summary" in item
    missing = CliRunner().invoke(app, ["calls", "mock", "--trace", "nope"])
    assert missing.exit_code == 1 and "nope" in missing.output


def test_metrics_table_json_and_csv(db_url: str) -> None:
    """The merged window shows 3 calls, 1 failure and p50 20 ms in every format."""
    table = CliRunner().invoke(app, ["metrics", "mock"])
    assert table.exit_code == 0, table.output
    assert "66.7%" in table.output and "20.0" in table.output
    (window,) = json.loads(CliRunner().invoke(app, ["metrics", "mock", "--json"]).output)["items"]
    assert (window["calls"], window["failures"], window["p50_ms"]) == (3, 1, 20.0)
    text = CliRunner().invoke(app, ["metrics", "mock", "--csv"]).output
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["calls"] == "3" and json.loads(row["errors"]) == {"ProviderServerError": 1}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["calls", "nope"], "unknown integration 'nope'", id="unknown"),
        pytest.param(["calls", "mock", "--status", "ok"], "--status must be", id="status"),
        pytest.param(["calls", "mock", "--since", "yesterday"], "--since must be", id="since"),
        pytest.param(
            ["metrics", "mock", "--from", "2026-02-01", "--to", "2026-01-01"],
            "--to must be after --from",
            id="reversed",
        ),
        pytest.param(
            ["metrics", "mock", "--from", "2026-01-01", "--to", "2026-03-01"],
            "at most 31 days",
            id="span",
        ),
        pytest.param(["metrics", "mock", "--csv", "--json"], "one of --csv", id="formats"),
    ],
)
def test_bad_input_exits_2(db_url: str, args: list[str], message: str) -> None:
    """Bad input prints what is wrong, no traceback, and exits 2."""
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
