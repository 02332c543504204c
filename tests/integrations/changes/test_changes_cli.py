"""`integrations changes tail` and `integrations admin create-token --scope changes:read`."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from integrations.changes import record_change
from integrations.cli.changes_cmd import tail_changes
from integrations.cli.main import app
from integrations.storage.db import Database
from integrations.storage.repositories.admin_tokens import AdminTokenRepository
from integrations.storage.tables import Base


def _cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture(name="sqlite_url")
def _sqlite_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("INTEGRATIONS_DATABASE_URL", url)
    monkeypatch.setenv("INTEGRATIONS_VAR_DIR", str(tmp_path / "var"))
    assert _cli("db", "upgrade").exit_code == 0
    return url


async def _add(url: str, *external_ids: str, entity: str = "documents") -> list[int]:
    database = Database(url)
    try:
        async with database.sessions.begin() as session:
            return [
                await record_change(
                    session,
                    integration="pandadoc",
                    entity=entity,
                    external_id=external_id,
                    kind="updated",
                    changed_fields=["status"],
                    source="webhook",
                )
                for external_id in external_ids
            ]
    finally:
        await database.dispose()


def test_tail_prints_json_lines_after_the_cursor(sqlite_url: str) -> None:
    """Lines are the changes after --after, filtered; stderr says where to resume."""
    first, second, _ = asyncio.run(_add(sqlite_url, "d-1", "d-2", "d-3"))
    asyncio.run(_add(sqlite_url, "t-1", entity="tasks"))
    result = _cli("changes", "tail", "--after", str(first), "--entity", "documents")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["external_id"] for line in lines] == ["d-2", "d-3"]
    assert lines[0]["cursor"] == second
    assert f"--after {lines[-1]['cursor']}" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(("--after", "-3"), "--after", id="negative-cursor"),
        pytest.param(("--entity", " "), "--entity", id="blank-entity"),
        pytest.param(("--integration", "x" * 65), "--integration", id="long-integration"),
    ],
)
def test_tail_refuses_bad_options_without_a_traceback(
    sqlite_url: str, args: tuple[str, ...], message: str
) -> None:
    """Bad options: exit 2 and a message naming the option."""
    result = _cli("changes", "tail", *args)
    assert result.exit_code == 2
    assert message in result.stderr


async def test_follow_prints_changes_committed_while_it_waits(tmp_path: Path) -> None:
    """Following: a change committed during a pause is printed by the next poll."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'follow.db'}"
    database = Database(url)
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await _add(url, "before")
    seen: list[dict[str, Any]] = []
    pauses = 0

    async def pause() -> None:
        nonlocal pauses
        pauses += 1
        if pauses == 1:
            await _add(url, "during")
            return
        raise StopAsyncIteration

    try:
        last = await tail_changes(
            database,
            after=0,
            integration=None,
            entity=None,
            emit=seen.append,
            follow=True,
            pause=pause,
        )
    finally:
        await database.dispose()
    assert [c["external_id"] for c in seen] == ["before", "during"]
    assert last == seen[-1]["cursor"]


def test_a_scoped_token_verifies_only_for_its_scope(sqlite_url: str) -> None:
    """`--scope changes:read` makes a token the feed accepts and the admin API refuses."""
    created = _cli("admin", "create-token", "--name", "app", "--scope", "changes:read")
    assert created.exit_code == 0, created.output
    (token,) = re.findall(r"^itk_\S+$", created.stdout, flags=re.MULTILINE)

    async def verify(scope: str | None) -> str | None:
        database = Database(sqlite_url)
        try:
            async with database.sessions.begin() as session:
                return await AdminTokenRepository(session).verify(token, scope=scope)
        finally:
            await database.dispose()

    assert asyncio.run(verify("changes:read")) == "app"
    assert asyncio.run(verify(None)) is None
    bogus = _cli("admin", "create-token", "--scope", "everything")
    assert bogus.exit_code == 2
    assert "--scope" in bogus.stderr
