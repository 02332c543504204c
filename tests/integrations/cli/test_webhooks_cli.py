"""`integrations webhooks replay`: queue a time range again; clear errors for bad input."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from integrations.cli.main import app
from integrations.storage.db import Database
from integrations.storage.tables_inbound import WebhookEventRow


@pytest.fixture(name="db_url")
def _db_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("INTEGRATIONS_DATABASE_URL", url)
    monkeypatch.setenv("INTEGRATIONS_VAR_DIR", str(tmp_path / "var"))
    assert CliRunner().invoke(app, ["db", "upgrade"]).exit_code == 0
    return url


def _seed(url: str) -> None:
    async def run() -> None:
        db = Database(url)
        async with db.sessions.begin() as session:
            for i, status in enumerate(["processed", "dead", "processed"]):
                session.add(
                    WebhookEventRow(
                        integration="generic" if i < 2 else "typeform",
                        event_id=f"e{i}",
                        status=status,
                        signature_valid=True,
                        headers={},
                        body=b"{}",
                    )
                )
        await db.dispose()

    asyncio.run(run())


def _statuses(url: str) -> list[str]:
    async def run() -> list[str]:
        db = Database(url)
        async with db.sessions() as session:
            rows = await session.scalars(select(WebhookEventRow).order_by(WebhookEventRow.id))
            out = [r.status for r in rows]
        await db.dispose()
        return out

    return asyncio.run(run())


def test_replay_queues_matching_events(db_url: str) -> None:
    """Only events in the range and matching the filters become pending."""
    _seed(db_url)
    now = dt.datetime.now(dt.UTC)
    args = [
        "webhooks",
        "replay",
        "--from",
        (now - dt.timedelta(hours=1)).isoformat(),
        "--to",
        (now + dt.timedelta(hours=1)).isoformat(),
        "--integration",
        "generic",
        "--status",
        "dead",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "1 of 1" in result.stdout
    assert _statuses(db_url) == ["processed", "pending", "processed"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["--from", "yesterday", "--to", "2026-01-01"], "--from must be", id="bad-from"
        ),
        pytest.param(
            ["--from", "2026-01-02", "--to", "2026-01-01"], "--to must be after", id="reversed"
        ),
        pytest.param(
            ["--from", "2026-01-01", "--to", "2026-01-02", "--status", "odd"],
            "--status must be",
            id="bad-status",
        ),
        pytest.param(
            ["--from", "2026-01-01", "--to", "2026-01-02", "--integration", "pandadco"],
            "--integration 'pandadco' receives no webhooks; one of",
            id="unknown-integration",
        ),
    ],
)
def test_replay_bad_input(db_url: str, args: list[str], message: str) -> None:
    """Bad options exit 2 with a message naming the option, never a traceback."""
    result = CliRunner().invoke(app, ["webhooks", "replay", *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
