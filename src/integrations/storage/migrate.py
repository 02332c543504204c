"""Schema migrations through Alembic, callable from the CLI, the server and tests.

Alembic's commands are synchronous and our `env.py` runs the async engine with `asyncio.run`,
so from async code these functions are called in a worker thread (`anyio.to_thread`).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from integrations.storage.db import DEFAULT_CONNECT_TIMEOUT

__all__ = ["alembic_config", "current_revision", "downgrade", "head_revision", "upgrade"]

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str, *, connect_timeout: int = DEFAULT_CONNECT_TIMEOUT) -> Config:
    """An Alembic config for `url` that needs no alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = url
    config.attributes["connect_timeout"] = connect_timeout
    return config


def upgrade(
    url: str, revision: str = "head", *, connect_timeout: int = DEFAULT_CONNECT_TIMEOUT
) -> None:
    """Upgrade the database at `url` to `revision` (default: the newest); a database that
    accepts no connection within `connect_timeout` seconds fails it instead of hanging."""
    command.upgrade(alembic_config(url, connect_timeout=connect_timeout), revision)


def downgrade(url: str, revision: str) -> None:
    """Downgrade the database at `url` to `revision` (`base` removes every table)."""
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str:
    """The newest migration shipped with this version."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise RuntimeError("no migrations found")
    return head


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, or None before the first migration."""
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
